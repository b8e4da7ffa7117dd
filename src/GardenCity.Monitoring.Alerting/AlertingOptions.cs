using GardenCity.Monitoring.Core.Alerts;
using System.ComponentModel.DataAnnotations;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;

namespace GardenCity.Monitoring.Alerting;

/// <summary>A webhook receiving the alerts of one audience.</summary>
public sealed class WebhookEndpoint
{
    /// <summary>A short name for logs and metrics.</summary>
    [Required]
    public string Name { get; set; } = string.Empty;

    /// <summary>emergency, ecology or maintenance.</summary>
    public Audience Audience { get; set; }

    /// <summary>http(s) URL that receives a POST of the notification JSON.</summary>
    [Required]
    [Url]
    public string Url { get; set; } = string.Empty;
}

/// <summary>Settings of the alerting worker (<c>GardenCity:Alerting</c>).</summary>
public sealed class AlertingOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "GardenCity:Alerting";

    /// <summary>Folder of rule files, reloaded on change. <value>The default value is deploy/rules.</value></summary>
    [Required]
    public string RulesDirectory { get; set; } = "deploy/rules";

    /// <summary>Folder of the persisted engine state and CAP messages. <value>The default value is data/alerting.</value></summary>
    [Required]
    public string StateDirectory { get; set; } = "data/alerting";

    /// <summary>A reading further behind the watermark than this is late. <value>The default value is 1 hour.</value></summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan LatenessHorizon { get; set; } = TimeSpan.FromHours(1);

    /// <summary>What absence is judged against. <value>The default value is WallClock</value> (Watermark for replays).</summary>
    public AbsenceClock AbsenceClock { get; set; } = AbsenceClock.WallClock;

    /// <summary>How often absence is judged (and, when messages are few, the state saved and they acknowledged). <value>The default value is 1 second.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>MQTT client id of the alerting subscription. <value>The default value is gardencity-alerting.</value></summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string ClientId { get; set; } = "gardencity-alerting";

    /// <summary>MQTT user (empty: the embedded broker's internal account, or GardenCity:Mqtt:Username).</summary>
    public string Username { get; set; } = string.Empty;

    /// <summary>MQTT password; never logged.</summary>
    public string Password { get; set; } = string.Empty;

    /// <summary>Whether alerts are published on <c>gc/v1/alerts/...</c>. <value>The default value is true.</value></summary>
    public bool PublishMqtt { get; set; } = true;

    /// <summary>Whether alert history and FWI values are written to InfluxDB. <value>The default value is true.</value></summary>
    public bool WriteHistory { get; set; } = true;

    /// <summary>Whether the engine's windows are refilled from InfluxDB at start. <value>The default value is true.</value></summary>
    public bool PrimeFromInflux { get; set; } = true;

    /// <summary>
    /// Whether the alert path is readied at start, before the first message (docs/alerting.md, "The first alert after a
    /// start"): about a second of CPU once per process, so that the first alert is told as fast as the rest.
    /// <value>The default value is true.</value>
    /// </summary>
    public bool WarmUp { get; set; } = true;

    /// <summary>
    /// Into how many partitions the stations are divided for alerting workers (docs/scale-out.md, "Alerting
    /// partitions"); every worker of one deployment must have the same number. 1 (the default) is a single worker that
    /// evaluates every station. <value>The default value is 1.</value>
    /// </summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 1;

    /// <summary>
    /// The partitions this worker evaluates: numbers and ranges below <see cref="Partitions"/> (<c>0</c>, <c>0,2</c>,
    /// <c>1-3</c>), or <c>none</c> for a standby that keeps its session (to take partitions over later) and evaluates
    /// nothing. Empty (the default) means every partition and is allowed only with one partition.
    /// <value>The default value is empty.</value>
    /// </summary>
    public string OwnedPartitions { get; set; } = string.Empty;

    /// <summary>Webhooks, any number per audience.</summary>
    [Microsoft.Extensions.Options.ValidateEnumeratedItems]
    public List<WebhookEndpoint> Webhooks { get; } = [];

    /// <summary>Per-attempt webhook timeout. <value>The default value is 5 seconds.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries per delivery attempt (webhooks, MQTT) before the notification waits and tries again. <value>The default value is 4.</value></summary>
    [Range(0, 20)]
    public int WebhookRetries { get; set; } = 4;

    /// <summary>
    /// No longer used, kept so that a configuration that still sets it is refused with what to do instead: alerts are
    /// acknowledged through the query API (<c>POST /api/v1/alerts/{id}/ack</c>) with a responder key, which records the
    /// person's name. Must be empty.
    /// </summary>
    /// <value>The default value is empty.</value>
    [RegularExpression("^$", ErrorMessage = "GardenCity:Alerting:AckToken is no longer used: acknowledge through the query API (POST /api/v1/alerts/ID/ack, role api) with a responder key made by 'gardencity api new-key --name NAME --role responder', and remove this setting.")]
    public string AckToken { get; set; } = string.Empty;

    /// <summary>CAP settings.</summary>
    [Microsoft.Extensions.Options.ValidateObjectMembers]
    public CapOptions Cap { get; } = new();
}
