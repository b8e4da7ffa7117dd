using System.Text.Json;
using System.Text.Json.Serialization;
namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// The one JSON shape of an alert, documented in docs/alerting.md: the body of every notification (MQTT, webhooks,
/// server-sent events) and what the query API returns for an alert in force (its latest change). Sensitive rules carry
/// no coordinates. Built by the alerting worker (<c>AlertNotifications</c>); read by the API through
/// <see cref="IAlertQueries"/>.
/// </summary>
public sealed record AlertNotification
{
    /// <summary>Serializer settings: snake_case, enums as strings.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary><c>{alert id}#{revision}</c>: the same notification delivered twice has the same id.</summary>
    public required string NotificationId { get; init; }

    /// <summary>The incident.</summary>
    public required string AlertId { get; init; }

    /// <summary>raised, escalated, de_escalated, resolved, acknowledged, late, stale, lost_contact, contact_restored, closed, updated.</summary>
    public required Transition Transition { get; init; }

    /// <summary>The rule.</summary>
    public required string RuleId { get; init; }

    /// <summary>Rule name, Chinese.</summary>
    public required string RuleZh { get; init; }

    /// <summary>Rule name, English.</summary>
    public required string RuleEn { get; init; }

    /// <summary>Audience.</summary>
    public required Audience Audience { get; init; }

    /// <summary>Current severity (none once resolved).</summary>
    public required Severity Severity { get; init; }

    /// <summary>Severity before this change.</summary>
    public required Severity PreviousSeverity { get; init; }

    /// <summary>Highest severity of the incident.</summary>
    public required Severity PeakSeverity { get; init; }

    /// <summary>Active, resolved or closed.</summary>
    public required AlertStatus Status { get; init; }

    /// <summary>Station id.</summary>
    public required string StationId { get; init; }

    /// <summary>Station name, Chinese.</summary>
    public required string StationZh { get; init; }

    /// <summary>Station name, English.</summary>
    public required string StationEn { get; init; }

    /// <summary>Site id.</summary>
    public required string Site { get; init; }

    /// <summary>Watershed, if any.</summary>
    public string? Watershed { get; init; }

    /// <summary>Latitude (absent for sensitive rules).</summary>
    public double? Lat { get; init; }

    /// <summary>Longitude (absent for sensitive rules).</summary>
    public double? Lon { get; init; }

    /// <summary>Incident start, measurement time.</summary>
    public required DateTimeOffset RaisedAt { get; init; }

    /// <summary>This change, measurement time.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Measured value.</summary>
    public double? Value { get; init; }

    /// <summary>Threshold.</summary>
    public double? Threshold { get; init; }

    /// <summary>Text, Chinese.</summary>
    public required string MessageZh { get; init; }

    /// <summary>Text, English.</summary>
    public required string MessageEn { get; init; }

    /// <summary>Who acknowledged.</summary>
    public string? AcknowledgedBy { get; init; }

    /// <summary>When acknowledged.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>Whether a person must verify it before anything is published (sensitive rules).</summary>
    public bool RequiresVerification { get; init; }

    /// <summary>
    /// The alert stays in force but its station has sent nothing for the rule's stale horizon: what it says is as of
    /// <see cref="StaleSince"/>, not now (docs/alerting.md, "No data is not normal").
    /// </summary>
    public bool Stale { get; init; }

    /// <summary>When the station was last heard, while <see cref="Stale"/>.</summary>
    public DateTimeOffset? StaleSince { get; init; }

    /// <summary>Who closed it (a closed alert), the responder key's name.</summary>
    public string? ClosedBy { get; init; }

    /// <summary>When it was closed, by the clock of the closing system.</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>Why it was closed, as the person wrote it.</summary>
    public string? CloseReason { get; init; }

    /// <summary>
    /// An incident grouped per site and day (invasive alien species, docs/ecology.md): the scientific names detected
    /// that day at the site, in the order first seen; absent for other rules.
    /// </summary>
    public IReadOnlyList<string>? Species { get; init; }

    /// <summary>The camera traps of the site that recorded them that day, in the order first seen (grouped incidents only).</summary>
    public IReadOnlyList<string>? Cameras { get; init; }

    /// <summary>How many camera-trap triggers that day recorded one of them (grouped incidents only).</summary>
    public int? Detections { get; init; }

    /// <summary>Measurement time of the latest of those triggers (grouped incidents only).</summary>
    public DateTimeOffset? LastDetectionAt { get; init; }

    /// <summary>
    /// Who made the silence that holds this alert's changes back from people now (an API key's name): present only in
    /// what the API shows (alerts in force, the live stream), never in notifications (docs/duty-room.md, "Silences").
    /// </summary>
    public string? SilencedBy { get; init; }

    /// <summary>The id of that silence.</summary>
    public string? SilenceId { get; init; }

    /// <summary>When that silence ends.</summary>
    public DateTimeOffset? SilencedUntil { get; init; }

    /// <summary>UTF-8 JSON.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>The MQTT topic: <c>gc/v1/alerts/{audience}/{ruleId}/{stationId}</c>.</summary>
    public static string Topic(Audience audience, string ruleId, string stationId) =>
        $"gc/v1/alerts/{audience.ToString().ToLowerInvariant()}/{ruleId}/{stationId}";
}
