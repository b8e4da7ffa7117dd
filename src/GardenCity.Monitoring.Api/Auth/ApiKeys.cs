using System.Security.Cryptography;
using System.Text;

namespace GardenCity.Monitoring.Api.Auth;

/// <summary>API keys: made here (<c>gardencity api new-key</c>), stored only as their SHA-256 (<see cref="ApiKey.KeyHash"/>).</summary>
public static class ApiKeys
{
    /// <summary>A new random key, <c>gck_</c> and 43 URL-safe base64 characters (256 bits).</summary>
    public static string New() =>
        "gck_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The lower-case hex SHA-256 of a key, as configured in <see cref="ApiKey.KeyHash"/>.</summary>
    public static string Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}
