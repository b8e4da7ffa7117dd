using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Tests.Influx;

public sealed class InfluxOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new InfluxOptionsValidator().Validate(null, new InfluxOptions()).Succeeded);

    [Theory]
    [InlineData(nameof(InfluxOptions.Database))]
    [InlineData(nameof(InfluxOptions.RetentionPolicy))]
    [InlineData(nameof(InfluxOptions.RequestTimeout))]
    [InlineData(nameof(InfluxOptions.WriteTimeout))]
    public void Validate_AnnotationBroken_FailsNamingTheSetting(string setting)
    {
        var options = new InfluxOptions();
        switch (setting)
        {
            case nameof(InfluxOptions.Database): options.Database = "no spaces"; break;
            case nameof(InfluxOptions.RetentionPolicy): options.RetentionPolicy = "a;b"; break;
            case nameof(InfluxOptions.RequestTimeout): options.RequestTimeout = TimeSpan.FromHours(1); break;
            default: options.WriteTimeout = TimeSpan.Zero; break;
        }

        ValidateOptionsResult result = new InfluxOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{nameof(InfluxOptions)}.{setting}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FtpUrl_FailsNamingTheKey()
    {
        ValidateOptionsResult result = new InfluxOptionsValidator().Validate(null, new InfluxOptions { Url = "ftp://influx" });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Influx:Url must be an absolute http or https URL, got 'ftp://influx'.", result.Failures!);
    }

    [Fact]
    public void Validate_V2WithoutTokenOrgBucket_FailsNamingEachKey()
    {
        ValidateOptionsResult result = new InfluxOptionsValidator().Validate(null, new InfluxOptions { Version = InfluxApiVersion.V2 });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Influx:Token is required when GardenCity:Influx:Version is V2.", result.Failures!);
        Assert.Contains("GardenCity:Influx:Org is required when GardenCity:Influx:Version is V2.", result.Failures!);
        Assert.Contains("GardenCity:Influx:Bucket is required when GardenCity:Influx:Version is V2.", result.Failures!);
    }

    [Fact]
    public void Validate_V2WithTokenOrgBucket_Succeeds() =>
        Assert.True(new InfluxOptionsValidator().Validate(null, new InfluxOptions { Version = InfluxApiVersion.V2, Token = "t", Org = "o", Bucket = "b" }).Succeeded);

    [Theory]
    [InlineData("gardencity", "")]
    [InlineData("", "secret")]
    public void Validate_UsernameWithoutPassword_FailsNamingBoth(string username, string password)
    {
        ValidateOptionsResult result = new InfluxOptionsValidator().Validate(null, new InfluxOptions { Username = username, Password = password });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Influx:Username and Password are set together or not at all.", result.Failures!);
    }

    [Fact]
    public void Validate_TokenAndUsernameTogether_FailsNamingBothKeys()
    {
        ValidateOptionsResult result = new InfluxOptionsValidator().Validate(null, new InfluxOptions { Token = "t", Username = "u", Password = "p" });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("GardenCity:Influx:Token and GardenCity:Influx:Username are alternatives", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_V1WithToken_Succeeds() =>
        Assert.True(new InfluxOptionsValidator().Validate(null, new InfluxOptions { Version = InfluxApiVersion.V1, Token = "t", CreateDatabase = false }).Succeeded);

    [Fact]
    public void Validate_SpoolAfterShorterThanWriteTimeout_FailsNamingBothKeys()
    {
        ValidateOptionsResult result = new InfluxOptionsValidator().Validate(null, new InfluxOptions { SpoolAfter = TimeSpan.FromSeconds(1), WriteTimeout = TimeSpan.FromSeconds(2) });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Influx:SpoolAfter (00:00:01) must be at least GardenCity:Influx:WriteTimeout (00:00:02)", result.FailureMessage, StringComparison.Ordinal);
    }
}
