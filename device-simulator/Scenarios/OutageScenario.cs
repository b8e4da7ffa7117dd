using GardenCity.Monitoring.DeviceSimulator.Model;

namespace GardenCity.Monitoring.DeviceSimulator.Scenarios;

/// <summary>
/// Weak mountain links: every fourth station loses its link for four hours, keeps measuring, and sends what it stored
/// as store-and-forward backlog messages when the link returns.
/// </summary>
public sealed class OutageScenario : Scenario
{
    /// <summary>When, after the start, the affected stations lose their link, and when it returns.</summary>
    public static readonly TimeSpan LinkLost = TimeSpan.FromHours(3), LinkBack = TimeSpan.FromHours(7);

    /// <inheritdoc/>
    public override string Name => "outage";

    /// <inheritdoc/>
    public override string Description => "every fourth station offline for 4 h, then its backlog in store-and-forward messages";

    /// <inheritdoc/>
    public override TimeSpan DefaultDuration => TimeSpan.FromHours(12);

    /// <inheritdoc/>
    public override IEnumerable<Outage> Outages(IReadOnlyList<SimStation> stations, DateTimeOffset start, ulong seed) =>
        stations.OrderBy(s => s.Id, StringComparer.Ordinal).Where((_, i) => i % 4 == 1)
            .Select(s => new Outage(s.Id, start + LinkLost, start + LinkBack, Backlog: true));
}
