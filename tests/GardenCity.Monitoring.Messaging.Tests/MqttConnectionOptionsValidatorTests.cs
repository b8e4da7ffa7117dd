using GardenCity.Monitoring.Messaging.Client;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Messaging.Tests;

public sealed class MqttConnectionOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new MqttConnectionOptionsValidator().Validate(null, new MqttConnectionOptions()).Succeeded);

    [Theory]
    [InlineData(nameof(MqttConnectionOptions.Port))]
    [InlineData(nameof(MqttConnectionOptions.SessionExpiry))]
    [InlineData(nameof(MqttConnectionOptions.ReconnectDelay))]
    [InlineData(nameof(MqttConnectionOptions.MaxReconnectDelay))]
    public void Validate_OutOfRange_FailsNamingTheSetting(string setting)
    {
        var options = new MqttConnectionOptions();
        switch (setting)
        {
            case nameof(MqttConnectionOptions.Port): options.Port = 0; break;
            case nameof(MqttConnectionOptions.SessionExpiry): options.SessionExpiry = TimeSpan.FromSeconds(5); break;
            case nameof(MqttConnectionOptions.ReconnectDelay): options.ReconnectDelay = TimeSpan.FromMilliseconds(1); break;
            default: options.MaxReconnectDelay = TimeSpan.FromHours(1); break;
        }

        ValidateOptionsResult result = new MqttConnectionOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{nameof(MqttConnectionOptions)}.{setting}", result.FailureMessage, StringComparison.Ordinal);
    }
}
