namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// Silences (maintenance windows) of the alerting worker, for the query API (docs/duty-room.md, "Silences"). Declared
/// here so that the API and the alerting worker never reference each other; the alerting worker implements it, the
/// host wires it. The caller checks the request (roles, fields); implementations record every change in the audit
/// trail. Thread-safe.
/// </summary>
public interface ISilences
{
    /// <summary>Creates a silence, durably; it holds back the alerts it covers from <paramref name="startsAt"/> until <paramref name="endsAt"/>.</summary>
    Silence Create(SilenceMatchers matchers, string by, string reason, DateTimeOffset startsAt, DateTimeOffset endsAt);

    /// <summary>The silences not yet over and those over in the last <paramref name="recent"/>, newest first.</summary>
    IReadOnlyList<Silence> List(TimeSpan recent);

    /// <summary>Ends a silence now on behalf of <paramref name="by"/>; null when there is none with that id. Ending one already over changes nothing.</summary>
    Silence? Expire(string id, string by);
}
