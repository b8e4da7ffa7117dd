using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;

namespace GardenCity.Monitoring.Ingestion.Broker;

/// <summary>Who a broker client is.</summary>
public enum PrincipalKind
{
    /// <summary>Not authenticated.</summary>
    None,

    /// <summary>A field station: user name = station id, password checked against the registry's hash.</summary>
    Station,

    /// <summary>A worker of the system (ingestion, alerting): reads station topics, writes the system's outputs.</summary>
    Service,
}

/// <summary>
/// Authentication and authorization of the embedded broker. A station may connect only as itself (client id = user
/// name = station id, password matching the registry hash), publish only on <c>gc/v1/{its kind}/{its id}/{stream}</c>,
/// and subscribe only to its command topic <c>gc/v1/cmd/{its id}/#</c>. Service accounts may subscribe to anything and
/// publish only the system's outputs (<c>gc/v1/dead-letter/...</c>, <c>gc/v1/alerts/...</c>, <c>gc/v1/cmd/...</c>).
/// Thread-safe.
/// </summary>
public sealed class BrokerAuthorizer
{
    /// <summary>User name of this process's own workers, with a password made fresh at every start.</summary>
    public const string InternalUser = "gardencity-internal";

    private readonly StationRegistry _registry;
    private readonly Dictionary<string, string> _services;
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);

    public BrokerAuthorizer(StationRegistry registry, IEnumerable<BrokerAccount> serviceAccounts, string internalPassword)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(serviceAccounts);
        _registry = registry;
        _services = serviceAccounts.ToDictionary(a => a.Username, a => a.PasswordHash, StringComparer.Ordinal);
        InternalPassword = internalPassword;
    }

    /// <summary>The password of <see cref="InternalUser"/>; never logged.</summary>
    public string InternalPassword { get; }

    /// <summary>Checks a CONNECT; returns who the client is, or <see cref="PrincipalKind.None"/> with the reason.</summary>
    public (PrincipalKind Kind, string Reason) Authenticate(string clientId, string? username, string? password)
    {
        if (string.IsNullOrEmpty(username) || password is null)
        {
            return (PrincipalKind.None, "user name and password required");
        }

        if (username == InternalUser)
        {
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(InternalPassword))
                ? (PrincipalKind.Service, string.Empty)
                : (PrincipalKind.None, "bad user name or password");
        }

        if (_services.TryGetValue(username, out string? serviceHash))
        {
            return Verify(username, password, serviceHash) ? (PrincipalKind.Service, string.Empty) : (PrincipalKind.None, "bad user name or password");
        }

        if (!_registry.TryGet(username, out Station? station) || !Verify(username, password, station.PasswordHash))
        {
            return (PrincipalKind.None, "bad user name or password");
        }

        return clientId == station.Id ? (PrincipalKind.Station, string.Empty) : (PrincipalKind.None, "a station's client id must be its station id");
    }

    /// <summary>Whether <paramref name="username"/> may publish on <paramref name="topic"/>.</summary>
    public bool MayPublish(string? username, string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (IsService(username))
        {
            return WireTopic.IsSystemOutput(topic);
        }

        return username is not null && _registry.TryGet(username, out Station? station)
            && WireTopic.TryParse(topic, out WireTopic parsed, out _) && parsed.StationId == station.Id && parsed.Kind == station.Kind;
    }

    /// <summary>Whether <paramref name="username"/> may subscribe to <paramref name="filter"/>.</summary>
    public bool MaySubscribe(string? username, string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (IsService(username))
        {
            return true;
        }

        if (username is null || !_registry.TryGet(username, out _))
        {
            return false;
        }

        string own = WireTopic.CommandPrefix + username;
        return filter == own || filter == own + "/#"
            || (filter.StartsWith(own + "/", StringComparison.Ordinal) && !filter.Contains('+', StringComparison.Ordinal) && !filter.Contains('#', StringComparison.Ordinal));
    }

    private bool IsService(string? username) => username is not null && (username == InternalUser || _services.ContainsKey(username));

    private bool Verify(string username, string password, string hash)
    {
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(username + "\n" + password + "\n" + hash));
        if (_verified.TryGetValue(username, out byte[]? known) && CryptographicOperations.FixedTimeEquals(known, digest))
        {
            return true; // A reconnecting station does not pay for PBKDF2 again.
        }

        if (!PasswordHasher.Verify(password, hash))
        {
            return false;
        }

        _verified[username] = digest;
        return true;
    }
}

/// <summary>A service account of the embedded broker (e.g. an ingestion or alerting worker in another process).</summary>
public sealed class BrokerAccount
{
    /// <summary>User name; must not be a station id.</summary>
    public string Username { get; set; } = string.Empty;

    /// <summary>PBKDF2 hash from <c>gardencity registry hash-password</c>.</summary>
    public string PasswordHash { get; set; } = string.Empty;
}
