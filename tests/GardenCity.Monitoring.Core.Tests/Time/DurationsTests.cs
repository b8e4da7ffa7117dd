using GardenCity.Monitoring.Core.Time;

namespace GardenCity.Monitoring.Core.Tests.Time;

/// <summary>The duration forms of rule files and query parameters (moved from RuleLoaderTests with the parser).</summary>
public sealed class DurationsTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1.5h", 5400)]
    [InlineData("1d", 86400)]
    [InlineData("00:10:00", 600)]
    public void TryParse_KnownForms_Parse(string text, int seconds)
    {
        Assert.True(Durations.TryParse(text, out TimeSpan duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("1500ms", 1500)]
    public void TryParse_Milliseconds_Parse(string text, int milliseconds)
    {
        Assert.True(Durations.TryParse(text, out TimeSpan duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("0m")]
    [InlineData("-5m")]
    [InlineData("5 minutes")]
    [InlineData("9999d")]
    public void TryParse_BadForms_AreRefused(string text) => Assert.False(Durations.TryParse(text, out _));
}
