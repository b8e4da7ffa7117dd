using GardenCity.Monitoring.Core.Wire;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Core.Tests.Wire;

public sealed class WireDecoderOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new WireDecoderOptionsValidator().Validate(null, new WireDecoderOptions()).Succeeded);

    [Theory]
    [InlineData(nameof(WireDecoderOptions.MaxPayloadBytes))]
    [InlineData(nameof(WireDecoderOptions.FutureTolerance))]
    [InlineData(nameof(WireDecoderOptions.MaxDepth))]
    public void Validate_OutOfRange_FailsNamingTheSetting(string setting)
    {
        var options = new WireDecoderOptions();
        switch (setting)
        {
            case nameof(WireDecoderOptions.MaxPayloadBytes): options.MaxPayloadBytes = 100; break;
            case nameof(WireDecoderOptions.FutureTolerance): options.FutureTolerance = TimeSpan.FromHours(2); break;
            default: options.MaxDepth = 1; break;
        }

        ValidateOptionsResult result = new WireDecoderOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{nameof(WireDecoderOptions)}.{setting}", result.FailureMessage, StringComparison.Ordinal);
    }
}
