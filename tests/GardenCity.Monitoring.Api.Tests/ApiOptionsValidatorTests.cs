using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Tests;

public sealed class ApiOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new ApiOptionsValidator().Validate(null, new ApiOptions()).Succeeded);

    [Theory]
    [InlineData("ftp://127.0.0.1:8080")]
    [InlineData("not a url")]
    public void Validate_UrlNotHttpOrHttps_FailsNamingTheKeyAndWhatToDo(string url)
    {
        ValidateOptionsResult result = new ApiOptionsValidator().Validate(null, new ApiOptions { Url = url });

        Assert.True(result.Failed);
        Assert.Contains($"GardenCity:Api:Url '{url}' is not an http(s) URL with a port (e.g. http://127.0.0.1:8080, or https://0.0.0.0:8443 with GardenCity:Api:CertificatePath).", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HttpsWithoutCertificate_FailsNamingTheCertificateSetting()
    {
        ValidateOptionsResult result = new ApiOptionsValidator().Validate(null, new ApiOptions { Url = "https://0.0.0.0:8443" });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Api:Url is https but GardenCity:Api:CertificatePath (a PKCS#12 file, e.g. from deploy/tls/make-certs.sh) is not set.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HttpsWithMissingCertificateFile_FailsNamingThePath()
    {
        string missing = Path.Combine(Path.GetTempPath(), "gc-no-such-" + Guid.NewGuid().ToString("N") + ".pfx");

        ValidateOptionsResult result = new ApiOptionsValidator().Validate(null, new ApiOptions { Url = "https://0.0.0.0:8443", CertificatePath = missing });

        Assert.True(result.Failed);
        Assert.Contains($"GardenCity:Api:CertificatePath '{missing}' does not exist", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HttpsWithReadableCertificate_Succeeds()
    {
        string file = Pfx("pfx-pass");
        try
        {
            Assert.True(new ApiOptionsValidator().Validate(null, new ApiOptions { Url = "https://0.0.0.0:8443", CertificatePath = file, CertificatePassword = "pfx-pass" }).Succeeded);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A wrong password or a file that is not PKCS#12 is a configuration error naming both settings, never an exception at start.</summary>
    [Theory]
    [InlineData(true, "wrong-pass")]
    [InlineData(false, "pfx-pass")]
    public void Validate_HttpsWithUnreadableCertificate_FailsNamingTheSettingsNotThePassword(bool pkcs12, string password)
    {
        string file = pkcs12 ? Pfx("pfx-pass") : Path.GetTempFileName();
        try
        {
            ValidateOptionsResult result = new ApiOptionsValidator().Validate(null, new ApiOptions { Url = "https://0.0.0.0:8443", CertificatePath = file, CertificatePassword = password });

            Assert.True(result.Failed);
            Assert.Contains($"GardenCity:Api:CertificatePath '{file}' cannot be used with GardenCity:Api:CertificatePassword: ", result.FailureMessage, StringComparison.Ordinal);
            Assert.DoesNotContain(password, result.FailureMessage, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Pfx(string password)
    {
        string file = Path.Combine(Path.GetTempPath(), "gc-api-" + Guid.NewGuid().ToString("N") + ".pfx");
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(file, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, password));
        return file;
    }

    [Theory]
    [InlineData(nameof(ApiOptions.MaxRange))]
    [InlineData(nameof(ApiOptions.MaxPoints))]
    [InlineData(nameof(ApiOptions.OfflineAfter))]
    [InlineData(nameof(ApiOptions.MaxConcurrentExports))]
    [InlineData(nameof(ApiOptions.ExportQueueLength))]
    [InlineData(nameof(ApiOptions.MaxConcurrentQueries))]
    [InlineData(nameof(ApiOptions.QueryQueueLength))]
    [InlineData(nameof(ApiOptions.RetryAfter))]
    public void Validate_OutOfRange_FailsNamingTheSetting(string setting)
    {
        var options = new ApiOptions();
        switch (setting)
        {
            case nameof(ApiOptions.MaxRange): options.MaxRange = TimeSpan.FromHours(1); break;
            case nameof(ApiOptions.MaxPoints): options.MaxPoints = 1; break;
            case nameof(ApiOptions.OfflineAfter): options.OfflineAfter = TimeSpan.FromSeconds(1); break;
            case nameof(ApiOptions.MaxConcurrentExports): options.MaxConcurrentExports = 0; break;
            case nameof(ApiOptions.ExportQueueLength): options.ExportQueueLength = -1; break;
            case nameof(ApiOptions.MaxConcurrentQueries): options.MaxConcurrentQueries = 0; break;
            case nameof(ApiOptions.QueryQueueLength): options.QueryQueueLength = -1; break;
            default: options.RetryAfter = TimeSpan.Zero; break;
        }

        ValidateOptionsResult result = new ApiOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{nameof(ApiOptions)}.{setting}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(ApiKey.Name), "")]
    [InlineData(nameof(ApiKey.KeyHash), "not-a-hash")]
    public void Validate_BadKey_FailsNamingTheItem(string field, string value)
    {
        var options = new ApiOptions();
        var key = new ApiKey { Name = "duty officer", KeyHash = new string('a', 64) };
        if (field == nameof(ApiKey.Name))
        {
            key.Name = value;
        }
        else
        {
            key.KeyHash = value;
        }

        options.Keys.Add(key);

        ValidateOptionsResult result = new ApiOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"Keys[0].{field}", result.FailureMessage, StringComparison.Ordinal);
    }
}
