using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host.Tests;

public sealed class HostingOptionsValidatorTests
{
    [Theory]
    [InlineData("ingest")]
    [InlineData("broker, ingest,alerting,api")]
    public void Validate_KnownRoles_Succeeds(string roles) =>
        Assert.True(new HostingOptionsValidator().Validate(null, new HostingOptions { Roles = roles }).Succeeded);

    [Fact]
    public void Validate_UnknownRole_FailsNamingTheKeyTheRoleAndTheKnownOnes()
    {
        ValidateOptionsResult result = new HostingOptionsValidator().Validate(null, new HostingOptions { Roles = "ingest,teleport" });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Roles 'ingest,teleport' names unknown role(s) teleport; this build knows broker, ingest, alerting, api.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OnlyCommas_FailsSayingEmpty()
    {
        ValidateOptionsResult result = new HostingOptionsValidator().Validate(null, new HostingOptions { Roles = " , " });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Roles ' , ' is empty", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(HostingOptions.Roles))]
    [InlineData(nameof(HostingOptions.RegistryPath))]
    public void Validate_Missing_FailsNamingTheSetting(string setting)
    {
        var options = new HostingOptions();
        if (setting == nameof(HostingOptions.Roles))
        {
            options.Roles = string.Empty;
        }
        else
        {
            options.RegistryPath = string.Empty;
        }

        ValidateOptionsResult result = new HostingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{nameof(HostingOptions)}.{setting}", result.FailureMessage, StringComparison.Ordinal);
    }
}
