namespace GardenCity.Monitoring.DeviceSimulator.Model;

/// <summary>What a simulated message is.</summary>
public enum SimMessageType
{
    Telemetry,
    Event,
    Status,
    Backlog,
    Bad,

    /// <summary>Not a publish: the station's link drops now, and the broker publishes its Last Will.</summary>
    LinkLost,

    /// <summary>Not a publish: the station's link returns now.</summary>
    LinkBack,
}

/// <summary>
/// One message the fleet sends, at simulated time <see cref="SendAt"/>, with what the pipeline should make of it:
/// the points it should store per measurement, or the reason it should be rejected for.
/// </summary>
public sealed record SimMessage(
    DateTimeOffset SendAt,
    string StationId,
    string Topic,
    byte[] Payload,
    bool Retain,
    SimMessageType Type,
    int Samples,
    IReadOnlyDictionary<string, int> ExpectedPoints,
    string? ExpectedRejection = null)
{
    public static readonly IReadOnlyDictionary<string, int> NoPoints = new Dictionary<string, int>();
}
