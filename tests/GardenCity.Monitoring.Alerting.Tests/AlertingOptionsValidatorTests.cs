using GardenCity.Monitoring.Core.Alerts;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Tests;

public sealed class AlertingOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new AlertingOptionsValidator().Validate(null, new AlertingOptions()).Succeeded);

    [Theory]
    [InlineData(nameof(AlertingOptions.RulesDirectory))]
    [InlineData(nameof(AlertingOptions.StateDirectory))]
    [InlineData(nameof(AlertingOptions.LatenessHorizon))]
    [InlineData(nameof(AlertingOptions.TickInterval))]
    [InlineData(nameof(AlertingOptions.ClientId))]
    [InlineData(nameof(AlertingOptions.WebhookTimeout))]
    [InlineData(nameof(AlertingOptions.WebhookRetries))]
    public void Validate_BadValue_FailsNamingTheSetting(string setting)
    {
        var options = new AlertingOptions();
        switch (setting)
        {
            case nameof(AlertingOptions.RulesDirectory): options.RulesDirectory = string.Empty; break;
            case nameof(AlertingOptions.StateDirectory): options.StateDirectory = string.Empty; break;
            case nameof(AlertingOptions.LatenessHorizon): options.LatenessHorizon = TimeSpan.FromSeconds(1); break;
            case nameof(AlertingOptions.TickInterval): options.TickInterval = TimeSpan.FromHours(1); break;
            case nameof(AlertingOptions.ClientId): options.ClientId = "gardencity/alerting"; break;
            case nameof(AlertingOptions.WebhookTimeout): options.WebhookTimeout = TimeSpan.Zero; break;
            default: options.WebhookRetries = 21; break;
        }

        ValidateOptionsResult result = new AlertingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{nameof(AlertingOptions)}.{setting}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AckTokenSet_FailsSayingToUseAResponderKey()
    {
        ValidateOptionsResult result = new AlertingOptionsValidator().Validate(null, new AlertingOptions { AckToken = "s3cret" });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Alerting:AckToken is no longer used", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("gardencity api new-key --name NAME --role responder", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WebhookWithoutUrl_FailsNamingTheItem()
    {
        var options = new AlertingOptions();
        options.Webhooks.Add(new WebhookEndpoint { Name = "duty", Audience = Audience.Emergency, Url = "not a url" });

        ValidateOptionsResult result = new AlertingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Webhooks[0].Url", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CapStatusUnknown_FailsNamingTheNestedSetting()
    {
        var options = new AlertingOptions();
        options.Cap.Status = "Rehearsal";

        ValidateOptionsResult result = new AlertingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Cap.Status", result.FailureMessage, StringComparison.Ordinal);
    }
}
