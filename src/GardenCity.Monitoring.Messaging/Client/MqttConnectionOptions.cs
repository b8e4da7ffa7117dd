using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Messaging.Client;

/// <summary>
/// How the workers reach the MQTT broker: section <c>GardenCity:Mqtt</c>, shared by the ingestion worker (which reads its
/// batching settings from the same section) and the alerting worker (which may log in with an account of its own).
/// </summary>
public sealed class MqttConnectionOptions
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

    /// <summary>Pause between connection checks, and the first back-off after a failed connect.</summary>
    /// <value>The default value is 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest back-off between connect attempts.</summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);
}
