using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Messaging.Broker;

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

    /// <summary>
    /// Largest MQTT packet a client may send, in bytes (fixed header included). The length a packet claims is checked
    /// as its header arrives, before anything is buffered; a longer packet closes the connection.
    /// </summary>
    /// <value>The default value is 131072 (128 KiB: twice the 64 KiB payload limit of the wire contract, so a moderately
    /// oversized payload is still dead-lettered with its head kept).</value>
    [Range(1024, 268_435_455)]
    public int MaxPacketSize { get; set; } = 128 * 1024;

    /// <summary>Time a new connection has to complete its TLS handshake and send its whole CONNECT packet; then it is closed.</summary>
    /// <value>The default value is 10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections accepted that have not yet sent their CONNECT packet; further ones are closed at once.</summary>
    /// <value>The default value is 256.</value>
    [Range(1, 100_000)]
    public int MaxPendingConnections { get; set; } = 256;

    /// <summary>Connections from one IP address that have not yet sent their CONNECT packet; further ones from it are closed at once.</summary>
    /// <value>The default value is 32.</value>
    [Range(1, 100_000)]
    public int MaxPendingConnectionsPerSource { get; set; } = 32;

    /// <summary>Password checks a source address may fail in <see cref="FailedLoginWindow"/>; then its logins are refused ("quota exceeded") without checking.</summary>
    /// <value>The default value is 20.</value>
    [Range(1, 100_000)]
    public int MaxFailedLoginsPerSource { get; set; } = 20;

    /// <summary>Password checks a user name (station id or account) may fail in <see cref="FailedLoginWindow"/>. A client whose correct password was seen before is never held back.</summary>
    /// <value>The default value is 5.</value>
    [Range(1, 100_000)]
    public int MaxFailedLoginsPerUser { get; set; } = 5;

    /// <summary>Time in which an exhausted failed-login allowance refills completely (gradually, as a token bucket).</summary>
    /// <value>The default value is 1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FailedLoginWindow { get; set; } = TimeSpan.FromMinutes(1);
}
