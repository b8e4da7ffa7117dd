using GardenCity.Monitoring.Storage.DeadLetters;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Tests.DeadLetters;

public sealed class DeadLetterOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new DeadLetterOptionsValidator().Validate(null, new DeadLetterOptions()).Succeeded);

    [Theory]
    [InlineData(nameof(DeadLetterOptions.Directory))]
    [InlineData(nameof(DeadLetterOptions.MaxBytesPerStationPerHour))]
    [InlineData(nameof(DeadLetterOptions.MaxTotalBytes))]
    public void Validate_BadValue_FailsNamingTheSetting(string setting)
    {
        var options = new DeadLetterOptions();
        switch (setting)
        {
            case nameof(DeadLetterOptions.Directory): options.Directory = string.Empty; break;
            case nameof(DeadLetterOptions.MaxBytesPerStationPerHour): options.MaxBytesPerStationPerHour = 100; break;
            default: options.MaxTotalBytes = 1024; break;
        }

        ValidateOptionsResult result = new DeadLetterOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{nameof(DeadLetterOptions)}.{setting}", result.FailureMessage, StringComparison.Ordinal);
    }
}
