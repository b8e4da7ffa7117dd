using GardenCity.Monitoring.Core.Time;
using Microsoft.Extensions.Configuration;

namespace GardenCity.Monitoring.Api.Clock;

/// <summary>What the API's "now" (for a station's online state) was taken from.</summary>
public enum ClockBasis
{
    /// <summary>Live: the wall clock.</summary>
    WallClock,

    /// <summary>Replay: the alerting engine's watermark (alerting runs in this process).</summary>
    AlertingWatermark,

    /// <summary>Replay without the alerting role here (or before its first reading): the fleet's latest data time.</summary>
    LatestData,
}

/// <summary>The API's "now", judged by the clock policy of docs/alerting.md, and when it was taken.</summary>
/// <param name="Now">What "now" is for online state and default ranges.</param>
/// <param name="Basis">Where <paramref name="Now"/> comes from.</param>
/// <param name="WallClock">The wall clock when judged.</param>
public sealed record ClockReading(DateTimeOffset Now, ClockBasis Basis, DateTimeOffset WallClock);

/// <summary>
/// The clock policy of the alerting engine applied to the query API, so that a replay does not show every station
/// offline: one setting, <c>GardenCity:Alerting:AbsenceClock</c>, read here as well (the API does not reference the
/// alerting project). <c>WallClock</c> (live, the default): a station is online when it reported online and was
/// heard within <see cref="ApiOptions.OfflineAfter"/> of the wall clock. <c>Watermark</c> (replays): within
/// <see cref="ApiOptions.OfflineAfter"/> of the alerting engine's watermark when the alerting role runs in this
/// process, else of the fleet's latest data time; never later than the wall clock.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class OnlineClock(IConfiguration configuration, TimeProvider time, IAlertingWatermark? watermark = null)
{
    /// <summary>The shared setting.</summary>
    public const string PolicyKey = "GardenCity:Alerting:AbsenceClock";

    /// <summary>Whether the policy is event time (<c>Watermark</c>), read on every call so a reload is followed.</summary>
    public bool EventTime => IsEventTime(configuration[PolicyKey]);

    /// <summary>Whether a value of <see cref="PolicyKey"/> means event time (case-insensitive, as the options binder reads it).</summary>
    public static bool IsEventTime(string? policy) => string.Equals(policy?.Trim(), "Watermark", StringComparison.OrdinalIgnoreCase);

    /// <summary>"Now" by the policy, given when each station was last heard.</summary>
    public ClockReading Read(IEnumerable<DateTimeOffset?> lastSeen) => Judge(EventTime, time.GetUtcNow(), watermark?.Watermark, lastSeen);

    /// <summary>The rule itself: live, the wall clock; replay, the engine's watermark, else the latest data, never after the wall clock.</summary>
    public static ClockReading Judge(bool eventTime, DateTimeOffset wall, DateTimeOffset? engineWatermark, IEnumerable<DateTimeOffset?> lastSeen)
    {
        ArgumentNullException.ThrowIfNull(lastSeen);
        if (!eventTime)
        {
            return new(wall, ClockBasis.WallClock, wall);
        }

        if (engineWatermark is { } mark)
        {
            return new(mark < wall ? mark : wall, ClockBasis.AlertingWatermark, wall);
        }

        DateTimeOffset? latest = lastSeen.Max();
        return latest is { } l ? new(l < wall ? l : wall, ClockBasis.LatestData, wall) : new(wall, ClockBasis.WallClock, wall);
    }
}
