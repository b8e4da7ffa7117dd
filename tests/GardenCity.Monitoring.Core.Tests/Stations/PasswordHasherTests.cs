using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Tests.Stations;

public sealed class PasswordHasherTests
{
    [Fact]
    public void Hash_ThenVerify_AcceptsOnlyTheSamePassword()
    {
        string hash = PasswordHasher.Hash("s3cret-月", iterations: 10_000);

        Assert.True(PasswordHasher.IsWellFormed(hash));
        Assert.True(PasswordHasher.Verify("s3cret-月", hash));
        Assert.False(PasswordHasher.Verify("s3cret", hash));
    }

    [Fact]
    public void Hash_SamePasswordTwice_UsesDifferentSalts() =>
        Assert.NotEqual(PasswordHasher.Hash("x", 10_000), PasswordHasher.Hash("x", 10_000));

    [Theory]
    [InlineData("")]
    [InlineData("plaintext")]
    [InlineData("pbkdf2-sha256$100$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$100000$not base64$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("md5$100000$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    public void Verify_MalformedHash_ReturnsFalse(string hash)
    {
        Assert.False(PasswordHasher.IsWellFormed(hash));
        Assert.False(PasswordHasher.Verify("anything", hash));
    }

    [Fact]
    public void Hash_Salt_Is32LowercaseHexCharactersAsEmqxStoresThem()
    {
        Assert.True(PasswordHasher.TryDecode(PasswordHasher.Hash("x", 10_000), out int iterations, out byte[] salt, out byte[] key));

        Assert.Equal(10_000, iterations);
        Assert.Matches("^[0-9a-f]{32}$", System.Text.Encoding.ASCII.GetString(salt));
        Assert.Equal(32, key.Length);
    }

    [Fact]
    public void Verify_HashWithABinarySaltMadeBeforeHexSalts_StillAccepted()
    {
        // The shipped development hash of bhs-ct-01 before salts were hex: 16 random bytes of salt.
        const string Old = "pbkdf2-sha256$100000$wiKe83vyPyYCWKN8SEFdLg==$+us0BFOwu4EUs11bSynKXKZlvDi5PBD1vGaWofEsM44=";

        Assert.True(PasswordHasher.Verify("gc-dev-bhs-ct-01", Old));
        Assert.False(PasswordHasher.Verify("gc-dev-bhs-ct-02", Old));
    }
}
