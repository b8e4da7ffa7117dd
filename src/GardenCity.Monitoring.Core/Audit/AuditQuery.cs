namespace GardenCity.Monitoring.Core.Audit;

/// <summary>What to read of the audit trail; every filter is optional except the period.</summary>
/// <param name="From">Start of the period (inclusive).</param>
/// <param name="To">End of the period (exclusive).</param>
/// <param name="AlertId">Only this alert.</param>
/// <param name="Kind">Only this kind, or kinds starting with it when it ends with <c>.</c> (<c>silence.</c>).</param>
/// <param name="Who">Only what this person (API key name) or <c>system</c> did.</param>
/// <param name="Limit">At most this many entries, newest first.</param>
public sealed record AuditQuery(DateTimeOffset From, DateTimeOffset To, string? AlertId = null, string? Kind = null, string? Who = null, int Limit = 500)
{
    /// <summary>Whether <paramref name="entry"/> passes the filters (not the limit).</summary>
    public bool Matches(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.At >= From && entry.At < To
            && (AlertId is null || string.Equals(entry.AlertId, AlertId, StringComparison.Ordinal))
            && (Who is null || string.Equals(entry.Who, Who, StringComparison.Ordinal))
            && (Kind is null || (Kind.EndsWith('.') ? entry.Kind.StartsWith(Kind, StringComparison.Ordinal) : string.Equals(entry.Kind, Kind, StringComparison.Ordinal)));
    }
}
