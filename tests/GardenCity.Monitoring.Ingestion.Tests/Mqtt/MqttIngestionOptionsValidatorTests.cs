using GardenCity.Monitoring.Ingestion.Mqtt;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Ingestion.Tests.Mqtt;

public sealed class MqttIngestionOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new MqttIngestionOptionsValidator().Validate(null, new MqttIngestionOptions()).Succeeded);

    [Theory]
    [InlineData(nameof(MqttIngestionOptions.ClientId), "")]
    [InlineData(nameof(MqttIngestionOptions.ClientId), "has space")]
    [InlineData(nameof(MqttIngestionOptions.SharedGroup), "a/b")]
    [InlineData(nameof(MqttIngestionOptions.SharedGroup), "a+")]
    [InlineData(nameof(MqttIngestionOptions.SharedGroup), "#")]
    [InlineData(nameof(MqttIngestionOptions.BatchSize), "0")]
    [InlineData(nameof(MqttIngestionOptions.BatchInterval), "00:10:00")]
    [InlineData(nameof(MqttIngestionOptions.QueueCapacity), "0")]
    public void Validate_BadValue_FailsNamingTheSetting(string setting, string value)
    {
        var options = new MqttIngestionOptions();
        switch (setting)
        {
            case nameof(MqttIngestionOptions.ClientId): options.ClientId = value; break;
            case nameof(MqttIngestionOptions.SharedGroup): options.SharedGroup = value; break;
            case nameof(MqttIngestionOptions.BatchSize): options.BatchSize = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case nameof(MqttIngestionOptions.BatchInterval): options.BatchInterval = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            default: options.QueueCapacity = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        ValidateOptionsResult result = new MqttIngestionOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{nameof(MqttIngestionOptions)}.{setting}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "gc-ingest", false)] // all-in-one: the embedded broker's one worker, nothing to share
    [InlineData(false, "gc-ingest", true)] // a subscriber to an external broker
    [InlineData(true, "", true)]
    public void SharedGroup_OnlyWithAnExternalBroker(bool intercept, string group, bool valid)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["GardenCity:Mqtt:SharedGroup"] = group })
            .Build());
        services.AddIngestion(intercept);
        using ServiceProvider provider = services.BuildServiceProvider();

        MqttIngestionOptions Resolve() => provider.GetRequiredService<IOptions<MqttIngestionOptions>>().Value;

        if (valid)
        {
            Assert.Equal(group, Resolve().SharedGroup);
        }
        else
        {
            OptionsValidationException ex = Assert.Throws<OptionsValidationException>(Resolve);
            Assert.Contains("GardenCity:Mqtt:SharedGroup is set, but this process runs the embedded broker", ex.Message, StringComparison.Ordinal);
            Assert.Contains("GardenCity:Mqtt:Host", ex.Message, StringComparison.Ordinal);
        }
    }
}
