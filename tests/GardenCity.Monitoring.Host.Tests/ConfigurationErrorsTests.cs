using GardenCity.Monitoring.Ingestion.Mqtt;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host.Tests;

public sealed class ConfigurationErrorsTests
{
    [Theory]
    [InlineData("BatchSize: The field MqttIngestionOptions.BatchSize must be between 1 and 50000.", "MqttIngestionOptions", "GardenCity:Mqtt", "The field GardenCity:Mqtt:BatchSize must be between 1 and 50000.")]
    [InlineData("KeyHash: The ApiOptions.Keys[0].KeyHash field is required.", "ApiOptions", "GardenCity:Api", "The GardenCity:Api:Keys:0:KeyHash field is required.")]
    [InlineData("Status: The field AlertingOptions.Cap.Status must match the regular expression 'x'.", "AlertingOptions", "GardenCity:Alerting", "The field GardenCity:Alerting:Cap:Status must match the regular expression 'x'.")]
    [InlineData("Url: GardenCity:Api:Url 'x' is not an http URL with a port.", "ApiOptions", "GardenCity:Api", "GardenCity:Api:Url 'x' is not an http URL with a port.")]
    [InlineData("stations.yaml: not found", "HostingOptions", "GardenCity", "stations.yaml: not found")] // a file's own message keeps its head
    public void NameKeys_GeneratorMessage_NamesTheConfigurationKey(string failure, string type, string section, string expected) =>
        Assert.Equal(expected, ConfigurationErrors.NameKeys(failure, type, section));

    [Fact]
    public void Validate_TwoSectionsBroken_WritesOneLinePerProblemNamingEachKey()
    {
        var services = new ServiceCollection();
        services.AddOptionsWithValidateOnStart<MqttIngestionOptions, MqttIngestionOptionsValidatorProxy>().Configure(o => o.BatchSize = 0);
        services.AddOptionsWithValidateOnStart<InfluxOptions, InfluxOptionsValidatorProxy>().Configure(o => o.Url = "ftp://influx");
        using ServiceProvider provider = services.BuildServiceProvider();
        using var error = new StringWriter();

        bool valid = ConfigurationErrors.Validate(provider, error);

        Assert.False(valid);
        string[] lines = error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["Configuration error: The field GardenCity:Mqtt:BatchSize must be between 1 and 50000.",
             "Configuration error: GardenCity:Influx:Url must be an absolute http or https URL, got 'ftp://influx'."],
            lines);
    }

    [Fact]
    public void Validate_AllValid_ReturnsTrueAndWritesNothing()
    {
        var services = new ServiceCollection();
        services.AddOptionsWithValidateOnStart<InfluxOptions, InfluxOptionsValidatorProxy>();
        using ServiceProvider provider = services.BuildServiceProvider();
        using var error = new StringWriter();

        Assert.True(ConfigurationErrors.Validate(provider, error));
        Assert.Empty(error.ToString());
    }

    /// <summary>The roles' validators are internal to them; these stand in with the same kind of messages.</summary>
    private sealed class MqttIngestionOptionsValidatorProxy : IValidateOptions<MqttIngestionOptions>
    {
        public ValidateOptionsResult Validate(string? name, MqttIngestionOptions options) =>
            options.BatchSize is >= 1 and <= 50_000 ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("BatchSize: The field MqttIngestionOptions.BatchSize must be between 1 and 50000.");
    }

    private sealed class InfluxOptionsValidatorProxy : IValidateOptions<InfluxOptions>
    {
        public ValidateOptionsResult Validate(string? name, InfluxOptions options) =>
            options.Url.StartsWith("http", StringComparison.Ordinal) ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"GardenCity:Influx:Url must be an absolute http or https URL, got '{options.Url}'.");
    }
}
