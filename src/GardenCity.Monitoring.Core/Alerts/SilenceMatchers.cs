namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// Which alerts a silence covers: every matcher that is set must match (an unset one matches anything); at least one
/// must be set. <see cref="Severity"/> is a ceiling: a silence up to yellow covers info, blue and yellow, so an alert
/// that escalates above it is told again.
/// </summary>
/// <param name="Rule">Rule id.</param>
/// <param name="Station">Station id.</param>
/// <param name="Site">Site id.</param>
/// <param name="Watershed">Watershed id.</param>
/// <param name="Audience">Audience.</param>
/// <param name="Severity">Highest severity covered.</param>
public sealed record SilenceMatchers(string? Rule = null, string? Station = null, string? Site = null, string? Watershed = null, Audience? Audience = null, Severity? Severity = null)
{
    /// <summary>Whether no matcher is set (a silence of everything, which is refused).</summary>
    public bool IsEmpty => Rule is null && Station is null && Site is null && Watershed is null && Audience is null && Severity is null;

    /// <summary>
    /// Whether an emergency red alert could fall under it (audience unset or emergency, severity unset or red): such
    /// a silence needs the admin role and a reason.
    /// </summary>
    public bool CoversEmergencyRed => (Audience is null or Alerts.Audience.Emergency) && (Severity is null or Alerts.Severity.Red);

    /// <summary>Whether the notification's alert is covered; a resolve or close is judged on the severity it had.</summary>
    public bool Matches(AlertNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        Alerts.Severity severity = notification.Severity == Alerts.Severity.None ? notification.PreviousSeverity : notification.Severity;
        return (Rule is null || Rule == notification.RuleId)
            && (Station is null || Station == notification.StationId)
            && (Site is null || Site == notification.Site)
            && (Watershed is null || Watershed == notification.Watershed)
            && (Audience is null || Audience == notification.Audience)
            && (Severity is null || severity <= Severity);
    }

    /// <summary>The set matchers as <c>key=value</c> pairs (for logs, the audit trail and messages).</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        Add("rule", Rule);
        Add("station", Station);
        Add("site", Site);
        Add("watershed", Watershed);
        Add("audience", Audience?.ToString().ToLowerInvariant());
        Add("severity", Severity?.ToName());
        return string.Join(' ', parts);

        void Add(string key, string? value)
        {
            if (value is not null)
            {
                parts.Add($"{key}={value}");
            }
        }
    }
}
