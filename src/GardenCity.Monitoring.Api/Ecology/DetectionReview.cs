namespace GardenCity.Monitoring.Api.Ecology;

/// <summary>
/// A reviewer's decision on one stored detection (the <c>camera_trap_review</c> measurement, docs/ecology.md): the
/// detection is identified by its time, station and the species the machine gave; <paramref name="Decision"/> is
/// <c>confirmed</c>, <c>corrected</c> (to <paramref name="Species"/> and <paramref name="Count"/>) or <c>rejected</c>.
/// </summary>
/// <param name="Time">The detection's time (its trigger's).</param>
/// <param name="Station">The camera trap.</param>
/// <param name="MachineSpecies">The species as the camera's classifier gave it (the stored point's tag).</param>
/// <param name="Decision">confirmed, corrected or rejected.</param>
/// <param name="Species">The species that counts (the machine's when confirmed).</param>
/// <param name="Count">The count that counts.</param>
/// <param name="IndividualId">An individual's id given by the reviewer (e.g. a leopard told by its rosettes), or null.</param>
/// <param name="By">The reviewer key's name.</param>
/// <param name="At">When it was decided (wall clock).</param>
/// <param name="Comment">The reviewer's note, or empty.</param>
public sealed record DetectionReview(
    DateTimeOffset Time, string Station, string MachineSpecies, string Decision, string Species, long Count, string? IndividualId, string By, DateTimeOffset At, string Comment)
{
    /// <summary>The InfluxDB measurement.</summary>
    public const string Measurement = "camera_trap_review";

    /// <summary>The decisions.</summary>
    public const string Confirmed = "confirmed", Corrected = "corrected", Rejected = "rejected";
}
