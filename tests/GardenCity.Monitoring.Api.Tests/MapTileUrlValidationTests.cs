using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Tests;

/// <summary>Issue 14: the dashboard map's tile server is a setting, empty by default (the offline view).</summary>
public sealed class MapTileUrlValidationTests
{
    [Theory]
    [InlineData("")]
    [InlineData("https://tiles.example.org/{z}/{x}/{y}.png")]
    [InlineData("http://{s}.tiles.local:8081/osm/{z}/{x}/{y}.png")]
    public void Validate_EmptyOrATileTemplate_Succeeds(string url) =>
        Assert.True(new ApiOptionsValidator().Validate(null, new ApiOptions { MapTileUrl = url }).Succeeded);

    [Theory]
    [InlineData("https://tiles.example.org/tiles.png")]
    [InlineData("ftp://tiles.example.org/{z}/{x}/{y}.png")]
    [InlineData("tiles/{z}/{x}/{y}.png")]
    public void Validate_NotATileTemplate_FailsNamingTheKeyAndWhatToDo(string url)
    {
        ValidateOptionsResult result = new ApiOptionsValidator().Validate(null, new ApiOptions { MapTileUrl = url });

        Assert.True(result.Failed);
        Assert.Contains($"GardenCity:Api:MapTileUrl '{url}' is not an http(s) tile URL template with {{z}}, {{x}} and {{y}}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_IsNoTiles() => Assert.Equal(string.Empty, new ApiOptions().MapTileUrl);
}
