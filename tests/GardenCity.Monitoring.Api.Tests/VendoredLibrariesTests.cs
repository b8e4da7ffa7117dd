using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace GardenCity.Monitoring.Api.Tests;

public sealed class VendoredLibrariesTests
{
    private static Stream Resource(string name) =>
        typeof(ApiOptions).Assembly.GetManifestResourceStream("wwwroot/" + name) ?? throw new InvalidOperationException("no embedded " + name);

    [Fact]
    public void ChartJs_EmbeddedCopy_MatchesThePinnedChecksumAndKeepsItsLicence()
    {
        string readme = new StreamReader(Resource("vendor/README.md")).ReadToEnd();
        string pinned = Regex.Match(readme, @"\| chart\.umd\.min\.js \|.*\| ([0-9a-f]{64}) \|").Groups[1].Value;

        string actual = Convert.ToHexStringLower(SHA256.HashData(Resource("vendor/chart.umd.min.js")));

        Assert.Equal(pinned, actual);
        Assert.Contains("The MIT License", new StreamReader(Resource("vendor/chart.js.LICENSE.md")).ReadToEnd(), StringComparison.Ordinal);
        Assert.Contains("Chart.js v4.5.1", new StreamReader(Resource("vendor/chart.umd.min.js")).ReadToEnd()[..200], StringComparison.Ordinal);
    }

    [Fact]
    public void Leaflet_EmbeddedCopy_MatchesThePinnedChecksumsAndKeepsItsLicence()
    {
        string readme = new StreamReader(Resource("vendor/README.md")).ReadToEnd();
        string js = Regex.Match(readme, @"\| leaflet/leaflet\.js \|.*\| ([0-9a-f]{64}) \|").Groups[1].Value;
        string css = Regex.Match(readme, @"\| leaflet/leaflet\.css.*\| ([0-9a-f]{64}) \(css\) \|").Groups[1].Value;

        Assert.Equal(js, Convert.ToHexStringLower(SHA256.HashData(Resource("vendor/leaflet/leaflet.js"))));
        Assert.Equal(css, Convert.ToHexStringLower(SHA256.HashData(Resource("vendor/leaflet/leaflet.css"))));
        Assert.Contains("BSD 2-Clause License", new StreamReader(Resource("vendor/leaflet/LICENSE.md")).ReadToEnd(), StringComparison.Ordinal);
        Assert.Contains("Leaflet 1.9.4", new StreamReader(Resource("vendor/leaflet/leaflet.js")).ReadToEnd()[..200], StringComparison.Ordinal);
        Assert.NotNull(typeof(ApiOptions).Assembly.GetManifestResourceStream("wwwroot/vendor/leaflet/images/layers.png"));
    }
}
