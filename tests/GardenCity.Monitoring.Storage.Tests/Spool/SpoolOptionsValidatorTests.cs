using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Tests.Spool;

public sealed class SpoolOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new SpoolOptionsValidator().Validate(null, new SpoolOptions()).Succeeded);

    [Theory]
    [InlineData(nameof(SpoolOptions.Directory))]
    [InlineData(nameof(SpoolOptions.MaxBytes))]
    [InlineData(nameof(SpoolOptions.SegmentBytes))]
    public void Validate_BadValue_FailsNamingTheSetting(string setting)
    {
        var options = new SpoolOptions();
        switch (setting)
        {
            case nameof(SpoolOptions.Directory): options.Directory = string.Empty; break;
            case nameof(SpoolOptions.MaxBytes): options.MaxBytes = 1024; break;
            default: options.SegmentBytes = 2L << 30; break;
        }

        ValidateOptionsResult result = new SpoolOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{nameof(SpoolOptions)}.{setting}", result.FailureMessage, StringComparison.Ordinal);
    }
}
