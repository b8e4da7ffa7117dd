using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GardenCity.Monitoring.Core.Stations;

/// <summary>
/// Station credentials as PBKDF2-SHA256 hashes: <c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c>
/// with salt and hash in base64. Clear-text passwords are never stored.
/// </summary>
/// <remarks>
/// New hashes use a salt of 32 lowercase hexadecimal characters (16 random bytes written as hex; the PBKDF2 salt is those
/// 32 ASCII bytes), the form EMQX's built-in database generates and stores as text, so the same hash can be handed to
/// EMQX (<c>gardencity registry emqx-users</c>, deploy/emqx/README.md). Hashes with any other salt still verify here.
/// </remarks>
public static class PasswordHasher
{
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>The default number of iterations for new hashes.</summary>
    public const int DefaultIterations = 100_000;

    /// <summary>Hashes a password with a fresh random salt.</summary>
    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        byte[] salt = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SaltBytes)));
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Join('$', Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>Whether <paramref name="encoded"/> has the format this class writes.</summary>
    public static bool IsWellFormed(string? encoded) => TryParse(encoded, out _, out _, out _);

    /// <summary>Checks a password against a hash in constant time.</summary>
    public static bool Verify(string password, string encoded)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(encoded, out int iterations, out byte[] salt, out byte[] expected))
        {
            return false;
        }

        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>The parts of a hash in this class's format: iterations, the salt bytes and the derived key (SHA-256 PRF).</summary>
    public static bool TryDecode(string? encoded, out int iterations, out byte[] salt, out byte[] hash) => TryParse(encoded, out iterations, out salt, out hash);

    private static bool TryParse(string? encoded, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = [];
        hash = [];
        string[] parts = encoded?.Split('$') ?? [];
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 10_000)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 8 && hash.Length >= 16;
    }
}
