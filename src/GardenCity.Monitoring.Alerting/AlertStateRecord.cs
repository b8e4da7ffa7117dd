using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// One line of the state journal (<c>state.journal.jsonl</c>, <see cref="AlertStateStore"/>): what an alert change made
/// durable before anyone was told, on top of the full save named <paramref name="Checkpoint"/> (docs/alerting.md,
/// "State: snapshot and journal").
/// </summary>
/// <param name="Checkpoint">The full save this record follows; a record of another save is ignored.</param>
/// <param name="Targets">The stations, hazard units and alert targets whose whole state <paramref name="State"/> is.</param>
/// <param name="State">Their state (<see cref="AlertEngine.SnapshotOf"/>), with the readings of them judged since the full save.</param>
/// <param name="Cap">The CAP messages the change added, newest first.</param>
public sealed record AlertStateRecord(string Checkpoint, IReadOnlyList<string> Targets, EngineSnapshot State, IReadOnlyList<CapEntry> Cap);
