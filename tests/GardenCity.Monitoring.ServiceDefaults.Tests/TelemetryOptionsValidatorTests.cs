using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.ServiceDefaults.Tests;

/// <summary><see cref="OtlpOptions"/> and <see cref="LoggingOptions"/>: errors name the setting key.</summary>
public sealed class TelemetryOptionsValidatorTests
{
    [Theory]
    [InlineData("", "nonsense")] // off: nothing else is checked
    [InlineData("http://127.0.0.1:4317", "grpc")]
    [InlineData("https://collector.example:4318/", "http-protobuf")]
    public void Validate_OffOrHttpEndpointWithKnownProtocol_Succeeds(string endpoint, string protocol) =>
        Assert.True(new OtlpOptionsValidator().Validate(null, new OtlpOptions { Endpoint = endpoint, Protocol = protocol }).Succeeded);

    [Theory]
    [InlineData("127.0.0.1:4317")]
    [InlineData("udp://127.0.0.1:4317")]
    public void Validate_EndpointNotHttp_FailsNamingTheKey(string endpoint)
    {
        ValidateOptionsResult result = new OtlpOptionsValidator().Validate(null, new OtlpOptions { Endpoint = endpoint });

        Assert.True(result.Failed);
        Assert.Contains($"GardenCity:Telemetry:Otlp:Endpoint '{endpoint}' is not an http(s) URL", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownProtocol_FailsNamingTheKeyAndTheChoices()
    {
        ValidateOptionsResult result = new OtlpOptionsValidator().Validate(null, new OtlpOptions { Endpoint = "http://127.0.0.1:4318", Protocol = "http/json" });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Telemetry:Otlp:Protocol 'http/json' is not 'grpc' or 'http-protobuf'.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Validate_SamplingRatioOutsideZeroToOne_FailsNamingTheKey(double ratio)
    {
        ValidateOptionsResult result = new OtlpOptionsValidator().Validate(null, new OtlpOptions { Endpoint = "http://127.0.0.1:4317", SamplingRatio = ratio });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Telemetry:Otlp:SamplingRatio", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MetricsIntervalUnderASecond_FailsNamingTheKey()
    {
        ValidateOptionsResult result = new OtlpOptionsValidator().Validate(null, new OtlpOptions { Endpoint = "http://127.0.0.1:4317", MetricsInterval = TimeSpan.FromMilliseconds(10) });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Telemetry:Otlp:MetricsInterval", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public void Validate_KnownLogFormat_Succeeds(string format) =>
        Assert.True(new LoggingOptionsValidator().Validate(null, new LoggingOptions { Format = format }).Succeeded);

    [Fact]
    public void Validate_UnknownLogFormat_FailsNamingTheKey()
    {
        ValidateOptionsResult result = new LoggingOptionsValidator().Validate(null, new LoggingOptions { Format = "JSON" });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Logging:Format 'JSON' is not 'text' or 'json'.", result.FailureMessage, StringComparison.Ordinal);
    }
}
