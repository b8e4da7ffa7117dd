using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;

namespace GardenCity.Monitoring.DeviceSimulator.Tests.Quality;

/// <summary>
/// The shipped quality policy over the simulated fleet: in a real storm or on a calm day nothing is doubtful or bad, so
/// the checks never hold back a real flood or rainstorm alert (rules ignore doubtful values by default).
/// </summary>
public sealed class ShippedQualityPolicyTests
{
    private static readonly QualityPolicy Shipped = QualityPolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "quality.yaml"), SimRun.Registry);

    [Theory]
    [InlineData("rainstorm-23-7")]
    [InlineData("normal")]
    [InlineData("forest-fire")]
    public void ShippedPolicy_SimulatedScenario_FlagsNoValueDoubtfulOrBad(string scenario)
    {
        var checker = new QualityChecker(Shipped);
        var flagged = new List<string>();
        int telemetry = 0;
        foreach (TelemetryReading reading in SimRun.Get(scenario).Readings.OfType<TelemetryReading>().OrderBy(r => r.Timestamp))
        {
            telemetry++;
            QualityAssessment a = checker.Assess(reading, reading.Timestamp, judgeClock: false);
            if (a.Quality.Flag != QualityFlag.Good || a.Revisions.Count > 0)
            {
                flagged.Add($"{reading.Station.Id} {reading.Timestamp:O} {a.Quality}");
            }
        }

        Assert.True(telemetry > 1000, $"only {telemetry} telemetry readings");
        Assert.Empty(flagged);
    }
}
