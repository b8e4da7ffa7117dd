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

    /// <summary>Let clients connect without credentials, with no topic restrictions. For development only.</summary>
    /// <value>The default value is <see langword="false"/>: stations authenticate against the registry.</value>
    public bool AllowAnonymous { get; set; }

    /// <summary>Service accounts for workers in other processes (user name + PBKDF2 hash).</summary>
    /// <value>The default value is none; workers in this process use an internal account made at start.</value>
    public List<BrokerAccount> ServiceAccounts { get; } = [];

    /// <summary>Port of the TLS listener; 0 for none.</summary>
    /// <value>The default value is 0 (no TLS listener).</value>
    [Range(0, 65535)]
    public int TlsPort { get; set; }

    /// <summary>PKCS#12 (.pfx) certificate of the TLS listener.</summary>
    /// <value>The default value is empty.</value>
    public string TlsCertificatePath { get; set; } = string.Empty;

    /// <summary>Password of <see cref="TlsCertificatePath"/>; never logged.</summary>
    /// <value>The default value is empty.</value>
    public string TlsCertificatePassword { get; set; } = string.Empty;

    /// <summary>Queued messages kept per client session.</summary>
    /// <value>The default value is 100000.</value>
    [Range(100, 10_000_000)]
    public int MaxPendingMessagesPerClient { get; set; } = 100_000;
}
