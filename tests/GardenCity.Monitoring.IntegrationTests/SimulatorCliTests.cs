using System.Text.Json;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary><c>gardencity-sim</c> through its real entry point.</summary>
public sealed class SimulatorCliTests
{
    private static Task<(int ExitCode, string Stdout, string Stderr)> Sim(params string[] args) => Repo.RunAsync("dotnet", [Repo.SimulatorDll, .. args]);

    [Fact]
    public async Task DryRun_Rainstorm_WritesJsonLinesAndASummaryTable()
    {
        string file = Path.GetTempFileName();
        try
        {
            var (code, stdout, stderr) = await Sim("--scenario", "rainstorm-23-7", "--duration", "06:00:00", "--dry-run", file, "--speed", "0");

            Assert.True(code == 0, stderr);
            Assert.Contains("rainstorm-23-7", stdout, StringComparison.Ordinal);
            Assert.Contains("2023-07-29 12:00Z", stdout, StringComparison.Ordinal);
            Assert.Contains("water-level", stdout, StringComparison.Ordinal);
            string[] lines = await File.ReadAllLinesAsync(file, TestContext.Current.CancellationToken);
            Assert.True(lines.Length > 1000, $"{lines.Length} messages");
            using JsonDocument first = JsonDocument.Parse(lines[0]);
            Assert.StartsWith("gc/v1/", first.RootElement.GetProperty("topic").GetString(), StringComparison.Ordinal);
            Assert.Equal("Status", first.RootElement.GetProperty("type").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task UnknownScenario_ExitsNonZeroListingTheScenarios()
    {
        var (code, _, stderr) = await Sim("--scenario", "earthquake", "--dry-run", "-");

        Assert.NotEqual(0, code);
        Assert.Contains("earthquake", stderr, StringComparison.Ordinal);
        Assert.Contains("rainstorm-23-7", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteRegistry_ScaledFleet_IsALoadableRegistry()
    {
        string file = Path.GetTempFileName();
        try
        {
            var (code, _, stderr) = await Sim("--stations", "500", "--write-registry", file);

            Assert.True(code == 0, stderr);
            Assert.Equal(500, StationRegistryLoader.LoadFile(file).Count);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Publish_NoBrokerListening_ExitsOneWithAClearMessage()
    {
        var (code, _, stderr) = await Sim("--port", ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--duration", "00:10:00");

        Assert.Equal(1, code);
        Assert.Contains("Stopped:", stderr, StringComparison.Ordinal);
    }
}
