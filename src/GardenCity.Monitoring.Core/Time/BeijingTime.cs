namespace GardenCity.Monitoring.Core.Time;

/// <summary>
/// Beijing time (China Standard Time, UTC+8 all year: China has no daylight saving time), the local time of every
/// station, rule file and report of the district. Readings are stored and compared in UTC; this is for what a person
/// reads or what follows the local day (CAP times, CSV and Camtrap DP local columns, night-time rules, day counts).
/// </summary>
/// <remarks>Thread-safe: constants and pure functions only. The one place the offset is written.</remarks>
public static class BeijingTime
{
    /// <summary>The offset from UTC: +08:00.</summary>
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    /// <summary>The offset as written in ISO 8601 and CAP times.</summary>
    public const string OffsetText = "+08:00";

    /// <summary>The same instant, expressed in Beijing time.</summary>
    public static DateTimeOffset ToBeijingTime(this DateTimeOffset time) => time.ToOffset(Offset);
}
