using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;

namespace GardenCity.Monitoring.Messaging.Broker;

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

/// <summary>Why a CONNECT was refused.</summary>
public enum LoginFailure
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>No user name or no password.</summary>
    MissingCredentials,

    /// <summary>Unknown user name or wrong password (the two are not told apart).</summary>
    BadCredentials,

    /// <summary>A station's client id must be its station id; a service account's must not be a station id.</summary>
    ClientIdNotValid,

    /// <summary>Too many failed logins from this source or for this user name; refused without checking the password.</summary>
    RateLimited,
}

/// <summary>The outcome of <see cref="BrokerAuthorizer.Authenticate(string, string?, string?, string?)"/>.</summary>
/// <param name="Kind">Who the client is; <see cref="PrincipalKind.None"/> when refused.</param>
/// <param name="Failure">Why it was refused.</param>
/// <param name="Reason">The refusal in words (for the CONNACK and the log); empty when accepted.</param>
public readonly record struct LoginResult(PrincipalKind Kind, LoginFailure Failure, string Reason)
{
    internal static LoginResult Accepted(PrincipalKind kind) => new(kind, LoginFailure.None, string.Empty);

    internal static LoginResult Refused(LoginFailure failure, string reason) => new(PrincipalKind.None, failure, reason);
}

/// <summary>
/// Authentication and authorization of the embedded broker. A station may connect only as itself (client id = user
/// name = station id, password matching the registry hash), publish only on <c>gc/v1/{its kind}/{its id}/{stream}</c>,
/// and subscribe only to its command topic <c>gc/v1/cmd/{its id}/#</c>. Service accounts may subscribe to anything and
/// publish only the system's outputs (<c>gc/v1/dead-letter/...</c>, <c>gc/v1/alerts/...</c>, <c>gc/v1/cmd/...</c>).
/// Rights follow the authenticated user name only, never the client id.
/// <para>
/// Password checks: every refused check that gets as far as a password costs exactly one PBKDF2, whether the user
/// name exists or not (an unknown one is checked against a dummy hash), so the time of a refusal does not tell which
/// station ids exist. A correct password seen before is recognised by a SHA-256 digest without PBKDF2 and is never
/// rate-limited; every other check first takes a token from the per-source and per-user buckets of the
/// <see cref="FailedLoginLimiter"/>, and is refused at once ("quota exceeded") when one is empty.
/// </para>
/// Thread-safe.
/// </summary>
public sealed class BrokerAuthorizer
{
    /// <summary>User name of this process's own workers, with a password made fresh at every start.</summary>
    public const string InternalUser = "gardencity-internal";

    private readonly StationRegistry _registry;
    private readonly Dictionary<string, string> _services;
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);
    private readonly FailedLoginLimiter? _limiter;
    private readonly string _dummyHash = PasswordHasher.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
    private long _passwordHashChecks;

    /// <summary>An authorizer without failed-login rate limiting.</summary>
    /// <param name="registry">The stations and their password hashes.</param>
    /// <param name="serviceAccounts">The service accounts and their password hashes.</param>
    /// <param name="internalPassword">The password of <see cref="InternalUser"/> for this run.</param>
    public BrokerAuthorizer(StationRegistry registry, IEnumerable<BrokerAccount> serviceAccounts, string internalPassword)
        : this(registry, serviceAccounts, internalPassword, limiter: null)
    {
    }

    internal BrokerAuthorizer(StationRegistry registry, IEnumerable<BrokerAccount> serviceAccounts, string internalPassword, FailedLoginLimiter? limiter)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(serviceAccounts);
        _registry = registry;
        _services = serviceAccounts.ToDictionary(a => a.Username, a => a.PasswordHash, StringComparer.Ordinal);
        InternalPassword = internalPassword;
        _limiter = limiter;
    }

    /// <summary>The password of <see cref="InternalUser"/>; never logged.</summary>
    public string InternalPassword { get; }

    /// <summary>PBKDF2 verifications done so far (what a login storm costs; for tests and diagnostics).</summary>
    public long PasswordHashChecks => Interlocked.Read(ref _passwordHashChecks);

    /// <summary>Checks a CONNECT without a source address (no per-source limit).</summary>
    public LoginResult Authenticate(string clientId, string? username, string? password) => Authenticate(clientId, username, password, source: null);

    /// <summary>Checks a CONNECT from <paramref name="source"/> (an IP address, for the per-source limit); returns who the client is, or why not.</summary>
    public LoginResult Authenticate(string clientId, string? username, string? password, string? source)
    {
        if (string.IsNullOrEmpty(username) || password is null)
        {
            return LoginResult.Refused(LoginFailure.MissingCredentials, "user name and password required");
        }

        PrincipalKind kind;
        string? hash;
        Station? station = null;
        bool known = false;
        if (username == InternalUser)
        {
            kind = PrincipalKind.Service;
            hash = null;
            known = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(InternalPassword));
        }
        else if (_services.TryGetValue(username, out string? serviceHash))
        {
            kind = PrincipalKind.Service;
            hash = serviceHash;
        }
        else if (_registry.TryGet(username, out station))
        {
            kind = PrincipalKind.Station;
            hash = station.PasswordHash;
        }
        else
        {
            kind = PrincipalKind.None;
            hash = null;
        }

        byte[]? digest = hash is null ? null : Digest(username, password, hash);
        known = known || (digest is not null && _verified.TryGetValue(username, out byte[]? seen) && CryptographicOperations.FixedTimeEquals(seen, digest));
        if (!known)
        {
            // The expensive part: at most one PBKDF2, paid for from the buckets; the same for a user name that does not exist.
            if (_limiter is not null && !_limiter.TryAcquire(source, username))
            {
                return LoginResult.Refused(LoginFailure.RateLimited, "too many failed logins; try again later");
            }

            Interlocked.Increment(ref _passwordHashChecks);
            bool verified = PasswordHasher.Verify(password, hash ?? _dummyHash) && hash is not null;
            if (!verified)
            {
                return LoginResult.Refused(LoginFailure.BadCredentials, "bad user name or password");
            }

            _limiter?.Release(source, username);
            _verified[username] = digest!;
        }

        if (kind == PrincipalKind.Station)
        {
            return clientId == station!.Id ? LoginResult.Accepted(kind) : LoginResult.Refused(LoginFailure.ClientIdNotValid, "a station's client id must be its station id");
        }

        // A service account must not take over a station's session (its queued commands, its persistent subscriptions).
        return _registry.TryGet(clientId, out _)
            ? LoginResult.Refused(LoginFailure.ClientIdNotValid, "a service account's client id must not be a station id")
            : LoginResult.Accepted(kind);
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

    private static byte[] Digest(string username, string password, string hash) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(username + "\n" + password + "\n" + hash));
}

/// <summary>A service account of the embedded broker (e.g. an ingestion or alerting worker in another process).</summary>
public sealed class BrokerAccount
{
    /// <summary>User name; must not be a station id.</summary>
    public string Username { get; set; } = string.Empty;

    /// <summary>PBKDF2 hash from <c>gardencity registry hash-password</c>.</summary>
    public string PasswordHash { get; set; } = string.Empty;
}
