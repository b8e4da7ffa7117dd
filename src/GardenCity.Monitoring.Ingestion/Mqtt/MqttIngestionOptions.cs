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

    /// <summary>
    /// Largest number of messages written to InfluxDB in one batch. Under load the batches are full, and each InfluxDB
    /// write costs InfluxDB a fixed share besides its points: with 2,000 instead of 500, influxd spent a quarter less CPU
    /// per reading in a flood and the worker a little less (bench/README.md, "Batches of 2,000, a queue of 10,000, and recompiling only what is hot").
    /// At a paced rate batches go by <see cref="BatchInterval"/> and stay small.
    /// </summary>
    /// <value>The default value is 2000.</value>
    [Range(1, 50_000)]
    public int BatchSize { get; set; } = 2000;

    /// <summary>Longest a received message waits for its batch to fill before it is written.</summary>
    /// <value>The default value is 500 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Messages received but not yet written; when full, the worker stops reading from the broker. Also the MQTT 5
    /// Receive Maximum the worker announces (capped at 65,535): how many unacknowledged messages the broker sends it. Keep
    /// it several times <see cref="BatchSize"/>, so that the next batches arrive while one is written.
    /// </summary>
    /// <value>The default value is 10000.</value>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Also publish each dead letter on <c>gc/v1/dead-letter/{kind}/{stationId}</c>.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool PublishDeadLetters { get; set; } = true;
}
