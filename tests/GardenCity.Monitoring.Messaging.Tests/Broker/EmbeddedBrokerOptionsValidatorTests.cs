using GardenCity.Monitoring.Messaging.Broker;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Messaging.Tests.Broker;

public sealed class EmbeddedBrokerOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed() =>
        Assert.True(new EmbeddedBrokerOptionsValidator().Validate(null, new EmbeddedBrokerOptions()).Succeeded);

    [Theory]
    [InlineData(nameof(EmbeddedBrokerOptions.MaxPacketSize))]
    [InlineData(nameof(EmbeddedBrokerOptions.ConnectTimeout))]
    [InlineData(nameof(EmbeddedBrokerOptions.MaxPendingConnections))]
    [InlineData(nameof(EmbeddedBrokerOptions.MaxPendingConnectionsPerSource))]
    [InlineData(nameof(EmbeddedBrokerOptions.MaxFailedLoginsPerSource))]
    [InlineData(nameof(EmbeddedBrokerOptions.MaxFailedLoginsPerUser))]
    [InlineData(nameof(EmbeddedBrokerOptions.FailedLoginWindow))]
    public void Validate_HardeningSettingOutOfRange_FailsNamingTheSetting(string setting)
    {
        var options = new EmbeddedBrokerOptions();
        switch (setting)
        {
            case nameof(EmbeddedBrokerOptions.MaxPacketSize): options.MaxPacketSize = 10; break;
            case nameof(EmbeddedBrokerOptions.ConnectTimeout): options.ConnectTimeout = TimeSpan.Zero; break;
            case nameof(EmbeddedBrokerOptions.MaxPendingConnections): options.MaxPendingConnections = 0; break;
            case nameof(EmbeddedBrokerOptions.MaxPendingConnectionsPerSource): options.MaxPendingConnectionsPerSource = 0; break;
            case nameof(EmbeddedBrokerOptions.MaxFailedLoginsPerSource): options.MaxFailedLoginsPerSource = 0; break;
            case nameof(EmbeddedBrokerOptions.MaxFailedLoginsPerUser): options.MaxFailedLoginsPerUser = 0; break;
            default: options.FailedLoginWindow = TimeSpan.FromDays(2); break;
        }

        ValidateOptionsResult result = new EmbeddedBrokerOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }
}
