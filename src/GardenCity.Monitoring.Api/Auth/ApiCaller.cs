using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace GardenCity.Monitoring.Api.Auth;

/// <summary>Why a presented key is refused.</summary>
internal enum KeyRefusal
{
    /// <summary>Not refused (or no key presented).</summary>
    None,

    /// <summary>No configured key has this hash.</summary>
    Unknown,

    /// <summary>The key's <see cref="ApiKey.ExpiresAt"/> has passed.</summary>
    Expired,

    /// <summary>The key is <see cref="ApiKey.Revoked"/>.</summary>
    Revoked,
}

/// <summary>
/// Who is calling: the key in <c>X-Api-Key</c> (or <c>Authorization: Bearer</c>) matched against the configured key
/// hashes, worked out once per request and kept in <see cref="HttpContext.Items"/> for the rate limiter and the
/// endpoint filter.
/// </summary>
/// <param name="Presented">Whether the request carried a key at all.</param>
/// <param name="Key">The configured key it matched (also when that key is expired or revoked), or null.</param>
/// <param name="Refusal">Why the key is refused, if it is.</param>
internal sealed record ApiCaller(bool Presented, ApiKey? Key, KeyRefusal Refusal)
{
    private const string Item = "gardencity.api-caller";

    /// <summary>The caller of <paramref name="http"/> at <paramref name="now"/>.</summary>
    public static ApiCaller Of(HttpContext http, ApiOptions options, DateTimeOffset now)
    {
        if (http.Items.TryGetValue(Item, out object? known) && known is ApiCaller caller)
        {
            return caller;
        }

        string? presented = http.Request.Headers["X-Api-Key"].FirstOrDefault();
        string authorization = http.Request.Headers.Authorization.ToString();
        if (presented is null && authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }

        caller = presented is null ? new ApiCaller(false, null, KeyRefusal.None) : Identify(options, presented, now);
        http.Items[Item] = caller;
        return caller;
    }

    /// <summary>The rate limit's partition: the key's name for a valid key, else the client's address.</summary>
    public string Partition(HttpContext http) => Key is not null && Refusal == KeyRefusal.None
        ? "key:" + Key.Name
        : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static ApiCaller Identify(ApiOptions options, string presented, DateTimeOffset now)
    {
        byte[] hash = Convert.FromHexString(ApiKeys.Hash(presented));
        foreach (ApiKey key in options.Keys)
        {
            if (key.KeyHash.Length == 64 && CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(key.KeyHash)))
            {
                KeyRefusal refusal = key.Revoked ? KeyRefusal.Revoked : key.ExpiresAt is { } expires && now >= expires ? KeyRefusal.Expired : KeyRefusal.None;
                return new ApiCaller(true, key, refusal);
            }
        }

        return new ApiCaller(true, null, KeyRefusal.Unknown);
    }
}
