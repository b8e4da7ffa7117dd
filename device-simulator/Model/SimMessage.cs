namespace GardenCity.Monitoring.DeviceSimulator.Model;

/// <summary>What a simulated message is.</summary>
public enum SimMessageType
{
    /// <summary>A telemetry sample sent alone.</summary>
    Telemetry,
    /// <summary>A camera-trap or fire event.</summary>
    Event,
    /// <summary>A retained status message.</summary>
    Status,
    /// <summary>A store-and-forward message with many samples.</summary>
    Backlog,
    /// <summary>A malformed message the pipeline must reject for <see cref="SimMessage.ExpectedRejection"/>.</summary>
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
    /// <summary>No points expected (a rejected message or a link change).</summary>
    public static readonly IReadOnlyDictionary<string, int> NoPoints = new Dictionary<string, int>();
}
