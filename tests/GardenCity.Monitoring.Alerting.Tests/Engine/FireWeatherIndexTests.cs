using System.Globalization;
using GardenCity.Monitoring.Alerting.Engine;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

public sealed class FireWeatherIndexTests
{
    /// <summary>cffdrs prints 6 significant digits: 1e-5 relative covers the rounding, and nothing more.</summary>
    private const double Tolerance = 1e-5;

    [Fact]
    public void Day_CffdrsReferenceVectors_AgreeForAll48DaysCarryingStateFromDayToDay()
    {
        string[] lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "cffdrs_fwi_01.csv"));
        FwiState state = FwiState.StartUp;
        int compared = 0;
        foreach (string line in lines.Skip(1))
        {
            double[] v = line.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            FwiResult r = FireWeatherIndex.Day(state, new FwiWeather(v[5], v[6], v[7], v[8], (int)v[3], v[1]));
            double[] actual = [r.Ffmc, r.Dmc, r.Dc, r.Isi, r.Bui, r.Fwi, r.Dsr];
            for (int i = 0; i < 7; i++)
            {
                double expected = v[9 + i];
                Assert.True(Math.Abs(actual[i] - expected) <= Tolerance * Math.Abs(expected), $"{line}: column {9 + i} expected {expected}, got {actual[i]}");
                compared++;
            }

            state = r.State;
        }

        Assert.Equal(48 * 7, compared);
    }

    [Theory]
    [InlineData(-1, 10, 30)]
    [InlineData(1, -10, 30)]
    [InlineData(1, 10, -30)]
    public void Day_NegativeRainWindOrHumidity_IsRefused(double rain, double wind, double rh) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FireWeatherIndex.Day(FwiState.StartUp, new FwiWeather(20, rh, wind, rain, 5, 40)));

    [Fact]
    public void Engine_NoonObservation_ComputesOncePerDayWithTheSiteRainForAFireStation()
    {
        AlertEngine engine = TestData.Engine(OneRule("fire", "      - severity: blue\n        when: { threshold: { field: fwi, at_least: 0 } }"));
        DateTimeOffset morning = new(2024, 4, 3, 9, 0, 0, TimeSpan.FromHours(8));
        engine.Process(Telemetry("mfs-wx-01", morning, 1, ("rain_mm", 3.0), ("air_temp_c", 10), ("rh_pct", 60), ("wind_speed_ms", 1)), DateTimeOffset.MaxValue);

        EngineOutput beforeNoon = engine.Process(Telemetry("mfs-fire-02", morning.AddHours(2.9), 1, ("air_temp_c", 20), ("rh_pct", 20), ("wind_speed_ms", 5)), DateTimeOffset.MaxValue);
        EngineOutput noon = engine.Process(Telemetry("mfs-fire-02", morning.AddHours(3.1), 2, ("air_temp_c", 21), ("rh_pct", 18), ("wind_speed_ms", 5)), DateTimeOffset.MaxValue);
        EngineOutput later = engine.Process(Telemetry("mfs-fire-02", morning.AddHours(4), 3, ("air_temp_c", 22), ("rh_pct", 15), ("wind_speed_ms", 6)), DateTimeOffset.MaxValue);

        Assert.Empty(beforeNoon.FireWeather);
        FwiDay day = Assert.Single(noon.FireWeather);
        Assert.Equal(new FwiWeather(21, 18, 18, 3.0, 4, Station("mfs-fire-02").Lat), day.Weather); // 5 m/s = 18 km/h; rain of the site's weather station
        Assert.Equal("mfs-wx-01", day.RainStationId);
        Assert.Equal(FireWeatherIndex.Day(FwiState.StartUp, day.Weather), day.Result);
        Assert.Equal(day.Result!.Fwi, Assert.Single(noon.Changes).Alert.Value);
        Assert.Empty(later.FireWeather);
    }
}
