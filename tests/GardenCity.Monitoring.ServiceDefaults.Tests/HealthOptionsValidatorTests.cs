using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.ServiceDefaults.Tests;

public sealed class HealthOptionsValidatorTests
{
    [Theory]
    [InlineData("http://127.0.0.1:9464")]
    [InlineData("")] // endpoints off
    public void Validate_HttpOrEmpty_Succeeds(string url) =>
        Assert.True(new HealthOptionsValidator().Validate(null, new HealthOptions { Url = url }).Succeeded);

    [Fact]
    public void Validate_HttpsWithCertificate_Succeeds() =>
        Assert.True(new HealthOptionsValidator().Validate(null, new HealthOptions { Url = "https://0.0.0.0:9464", CertificatePath = "health.pfx" }).Succeeded);

    [Theory]
    [InlineData("127.0.0.1:9464")]
    [InlineData("ftp://127.0.0.1:9464")]
    public void Validate_NotHttp_FailsNamingTheKey(string url)
    {
        ValidateOptionsResult result = new HealthOptionsValidator().Validate(null, new HealthOptions { Url = url });

        Assert.True(result.Failed);
        Assert.Contains($"GardenCity:Health:Url '{url}' is not an http(s) URL (empty turns the endpoints off).", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HttpsWithoutCertificate_FailsNamingBothKeys()
    {
        ValidateOptionsResult result = new HealthOptionsValidator().Validate(null, new HealthOptions { Url = "https://127.0.0.1:9464" });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Health:Url is https but GardenCity:Health:CertificatePath (a PKCS#12 file) is not set.", result.FailureMessage, StringComparison.Ordinal);
    }
}
