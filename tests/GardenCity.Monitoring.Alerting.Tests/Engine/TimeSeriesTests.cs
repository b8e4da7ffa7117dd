using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Quality;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>The window ends a rate uses (<see cref="TimeSeries.Ends"/>) are those of the samples in the window that count.</summary>
public sealed class TimeSeriesTests
{
    [Fact]
    public void Ends_RandomSeries_AreTheFirstAndLastCountedSamplesOfTheWindow()
    {
        var random = new Random(20261203);
        QualityChecks[] checks = [QualityChecks.None, QualityChecks.None, QualityChecks.SoftLimit, QualityChecks.Spike];
        for (int round = 0; round < 300; round++)
        {
            var series = new TimeSeries();
            int n = random.Next(0, 12);
            for (int i = 0; i < n; i++)
            {
                series.Add(T0.AddMinutes(random.Next(0, 60)), i, checks[random.Next(checks.Length)]); // some at the same minute: replaced
            }

            DateTimeOffset at = T0.AddMinutes(random.Next(-5, 65));
            TimeSpan window = TimeSpan.FromMinutes(random.Next(1, 70));
            foreach (QualityFlag admit in new[] { QualityFlag.Good, QualityFlag.Doubtful, QualityFlag.Bad })
            {
                List<Sample> counted = [.. series.Window(at, window).Where(s => s.Flag <= admit)];
                (Sample, Sample)? expected = counted.Count >= 2 ? (counted[0], counted[^1]) : null;
                Assert.Equal(expected, series.Ends(at, window, admit));
            }
        }
    }

    [Fact]
    public void Ends_DoubtfulAtBothEnds_AreSkippedUnlessAdmitted()
    {
        var series = new TimeSeries();
        series.Add(T0, 1, QualityChecks.SoftLimit);
        series.Add(T0.AddMinutes(10), 2);
        series.Add(T0.AddMinutes(20), 3);
        series.Add(T0.AddMinutes(30), 4, QualityChecks.SoftLimit);

        Assert.Equal((2.0, 3.0), series.Ends(T0.AddMinutes(30), TimeSpan.FromHours(1), QualityFlag.Good) is var (a, b) ? (a.Value, b.Value) : default);
        Assert.Equal((1.0, 4.0), series.Ends(T0.AddMinutes(30), TimeSpan.FromHours(1), QualityFlag.Doubtful) is var (c, d) ? (c.Value, d.Value) : default);
        Assert.Null(series.Ends(T0.AddMinutes(30), TimeSpan.FromMinutes(15), QualityFlag.Good)); // only 20' counts in (15', 30']
    }
}
