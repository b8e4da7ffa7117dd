using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Ingestion.Mqtt;

/// <summary>How the ingestion worker reaches the broker and batches what it receives.</summary>
public sealed class MqttIngestionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Mqtt";

    /// <summary>Broker host. Empty means the embedded broker of this process (the <c>broker</c> role).</summary>
    /// <value>The default value is empty (embedded broker).</value>
    public string Host { get; set; } = string.Empty;

    /// <summary>Broker port.</summary>
    /// <value>The default value is 1883.</value>
    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>MQTT client id; the broker keeps the persistent session under it.</summary>
    /// <value>The default value is <c>gardencity-ingest</c>.</value>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string ClientId { get; set; } = "gardencity-ingest";

    /// <summary>User name at the broker, if it asks for one.</summary>
    /// <value>The default value is empty.</value>
    public string Username { get; set; } = string.Empty;

    /// <summary>Password at the broker. Never logged.</summary>
    /// <value>The default value is empty.</value>
    public string Password { get; set; } = string.Empty;

    /// <summary>How long the broker keeps the session (and queues QoS 1 messages) while the worker is away.</summary>
    /// <value>The default value is 7 days.</value>
    [Range(typeof(TimeSpan), "00:01:00", "49.00:00:00")]
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>MQTT 5 shared-subscription group; when set, workers of the same group split the load (<c>$share/GROUP/gc/v1/#</c>).</summary>
    /// <value>The default value is empty (a plain subscription).</value>
    [RegularExpression("^[A-Za-z0-9_-]{0,64}$")]
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

    /// <summary>Pause between connection checks, and the first back-off after a failed connect.</summary>
    /// <value>The default value is 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest back-off between connect attempts.</summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Also publish each dead letter on <c>gc/v1/dead-letter/{kind}/{stationId}</c>.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool PublishDeadLetters { get; set; } = true;
}
