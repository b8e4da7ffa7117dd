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
}
