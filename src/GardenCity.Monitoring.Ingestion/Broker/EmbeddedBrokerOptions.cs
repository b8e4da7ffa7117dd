using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Ingestion.Broker;

/// <summary>The embedded MQTTnet broker (the <c>broker</c> role).</summary>
public sealed class EmbeddedBrokerOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Broker";

    /// <summary>Address to listen on.</summary>
    /// <value>The default value is <c>127.0.0.1</c>.</value>
    [Required]
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free port (tests).</summary>
    /// <value>The default value is 1883.</value>
    [Range(0, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>Queued messages kept per client session.</summary>
    /// <value>The default value is 100000.</value>
    [Range(100, 10_000_000)]
    public int MaxPendingMessagesPerClient { get; set; } = 100_000;
}
