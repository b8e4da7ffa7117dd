using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Ingestion.Mqtt;

/// <summary>
/// How the ingestion worker subscribes and batches what it receives. The broker connection itself (host, port,
/// credentials, session expiry, reconnect back-off) is <c>MqttConnectionOptions</c> in Messaging, bound to the same
/// section, which the alerting worker shares.
/// </summary>
public sealed class MqttIngestionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Mqtt";

    /// <summary>MQTT client id; the broker keeps the persistent session under it.</summary>
    /// <value>The default value is <c>gardencity-ingest</c>.</value>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string ClientId { get; set; } = "gardencity-ingest";

    /// <summary>
    /// MQTT 5 shared-subscription group; when set, the workers of the same group split the station messages between
    /// them (<c>$share/GROUP/gc/v1/#</c>): each message goes to one member. Every member needs a <see cref="ClientId"/>
    /// of its own, kept across restarts: the broker keeps each member's share in that member's session while it is away
    /// (docs/scale-out.md). Needs a broker with shared subscriptions (Mosquitto 2, EMQX), not the embedded one.
    /// </summary>
    /// <value>The default value is empty (a plain subscription: this worker takes every message).</value>
    [RegularExpression("^[A-Za-z0-9_-]{0,64}$", ErrorMessage = "{0}: a shared-subscription group name is up to 64 letters, digits, '_' and '-' (no '/', '+' or '#'), the same on every worker of the group; leave it empty for a plain subscription")]
    public string SharedGroup { get; set; } = string.Empty;

    /// <summary>Largest number of messages written to InfluxDB in one batch.</summary>
    /// <value>The default value is 500.</value>
    [Range(1, 50_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Longest a received message waits for its batch to fill before it is written.</summary>
    /// <value>The default value is 500 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Messages received but not yet written; when full, the worker stops reading from the broker.</summary>
    /// <value>The default value is 5000.</value>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 5000;

    /// <summary>Also publish each dead letter on <c>gc/v1/dead-letter/{kind}/{stationId}</c>.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool PublishDeadLetters { get; set; } = true;
}
