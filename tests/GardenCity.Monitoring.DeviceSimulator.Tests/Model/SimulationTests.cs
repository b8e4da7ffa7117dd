using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.DeviceSimulator.Model;
using GardenCity.Monitoring.DeviceSimulator.Scenarios;

namespace GardenCity.Monitoring.DeviceSimulator.Tests.Model;

public sealed class SimulationTests
{
    private static readonly DateTimeOffset Summer = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Generate_SameSeedTwice_GivesIdenticalMessages()
    {
        static List<SimMessage> Run(ulong seed) => new Simulation(SimRun.Registry.Stations.Select(s => new SimStation(s, seed)).ToList(), new NormalScenario(), seed, Summer, TimeSpan.FromHours(6)).Generate().ToList();

        List<SimMessage> a = Run(7), b = Run(7), c = Run(8);

        Assert.Equal(a.Count, b.Count);
        Assert.All(a.Zip(b), pair =>
        {
            Assert.Equal(pair.First.Topic, pair.Second.Topic);
            Assert.Equal(pair.First.SendAt, pair.Second.SendAt);
            Assert.Equal(pair.First.Payload, pair.Second.Payload);
        });
        Assert.NotEqual(a.Select(m => SimRun.Text(m)), c.Select(m => SimRun.Text(m)));
    }

    [Theory]
    [InlineData("normal")]
    [InlineData("rainstorm-23-7")]
    [InlineData("forest-fire")]
    [InlineData("leopard")]
    [InlineData("outage")]
    public void Generate_Scenario_EveryMessageIsValidWireContract(string scenario)
    {
        SimRun run = SimRun.Get(scenario);

        Assert.NotEmpty(run.Decoded);
        Assert.All(run.Decoded, d => Assert.True(d.Result.Rejections.Count == 0, $"{d.Message.Topic}: {string.Join("; ", d.Result.Rejections.Select(r => r.Reason.Code() + " " + r.Detail))}"));
        Assert.Equal(run.Decoded.Sum(d => d.Message.Samples), run.Readings.Count());
        Assert.All(run.Messages, m => Assert.True(m.Payload.Length < 64 * 1024, $"{m.Topic} is {m.Payload.Length} bytes"));
    }

    [Theory]
    [InlineData("normal")]
    [InlineData("rainstorm-23-7")]
    [InlineData("forest-fire")]
    public void Generate_Scenario_SignalsArePhysicallySane(string scenario)
    {
        var telemetry = SimRun.Get(scenario).Readings.OfType<TelemetryReading>().ToList();

        Assert.All(telemetry.Where(r => r.Values.ContainsKey("rain_mm")), r => Assert.True(r.Values["rain_mm"] >= 0));
        Assert.All(telemetry.Where(r => r.Values.ContainsKey("rh_pct")), r => Assert.InRange(r.Values["rh_pct"], 0, 100));
        Assert.All(telemetry.Where(r => r.Values.ContainsKey("wind_dir_deg")), r => Assert.InRange(r.Values["wind_dir_deg"], 0, 360));
        Assert.All(telemetry.Where(r => r.Values.ContainsKey("pressure_hpa")), r => Assert.InRange(r.Values["pressure_hpa"], 750, 1040));
        Assert.All(telemetry.Where(r => r.Values.ContainsKey("flow_m3s")), r => Assert.True(r.Values["flow_m3s"] >= 0));
    }

    [Fact]
    public void Generate_Normal_TemperatureFallsAbout06PerHundredMetres()
    {
        SimRun run = SimRun.Get("normal");
        double Mean(string id) => run.Telemetry(id).Average(r => r.Values["air_temp_c"]);
        double rise = SimRun.Registry.Stations.Single(s => s.Id == "bhs-wx-01").ElevationM - SimRun.Registry.Stations.Single(s => s.Id == "mtg-wx-01").ElevationM;

        double lapsePer100m = (Mean("mtg-wx-01") - Mean("bhs-wx-01")) / rise * 100;

        Assert.InRange(lapsePer100m, 0.45, 0.75);
    }

    [Fact]
    public void Generate_Normal_DiurnalCycleWithHumidityInverseToTemperature()
    {
        var readings = SimRun.Get("normal").Telemetry("zt-wx-01").ToList();
        static int LocalHour(TelemetryReading r) => r.Timestamp.ToOffset(TimeSpan.FromHours(8)).Hour;
        var afternoon = readings.Where(r => LocalHour(r) is >= 14 and <= 16).ToList();
        var predawn = readings.Where(r => LocalHour(r) is >= 3 and <= 5).ToList();

        Assert.True(afternoon.Average(r => r.Values["air_temp_c"]) > predawn.Average(r => r.Values["air_temp_c"]) + 5);
        Assert.True(afternoon.Average(r => r.Values["rh_pct"]) < predawn.Average(r => r.Values["rh_pct"]) - 10);
        Assert.True(Correlation(readings.Select(r => r.Values["air_temp_c"]), readings.Select(r => r.Values["rh_pct"])) < -0.5);
        Assert.All(readings, r => Assert.Equal(0, r.Values["rain_mm"]));
    }

    [Fact]
    public void Generate_Normal_StatusIsRetainedWithBatteryAndRssi()
    {
        SimRun run = SimRun.Get("normal");
        var statuses = run.Decoded.Where(d => d.Message.Type == SimMessageType.Status).ToList();

        Assert.All(statuses, d => Assert.True(d.Message.Retain));
        var readings = statuses.SelectMany(d => d.Result.Readings).Cast<StatusReading>().ToList();
        Assert.True(readings.Count >= SimRun.Registry.Count * 24 * 2);
        Assert.All(readings, s =>
        {
            Assert.True(s.Online);
            Assert.InRange(s.BatteryV!.Value, 10.5, 14.4);
            Assert.InRange(s.RssiDbm!.Value, -125, -40);
        });
        var one = readings.Where(s => s.Station.Id == "bhs-ct-01").ToList();
        Assert.True(one.Max(s => s.BatteryV!.Value) - one.Min(s => s.BatteryV!.Value) > 1, "the battery charges by day and drains by night");
    }

    [Fact]
    public void Generate_Normal_SeqOnlyGrowsPerStation()
    {
        SimRun run = SimRun.Get("normal");

        foreach (IGrouping<string, Reading> station in run.Readings.Where(r => r.Seq is not null).GroupBy(r => r.Station.Id))
        {
            var seqs = station.Select(r => r.Seq!.Value).ToList();
            Assert.Equal(Enumerable.Range(0, seqs.Count).Select(i => seqs[0] + i), seqs);
        }
    }

    [Fact]
    public void Generate_Normal_CameraTrapsSeeTheBaihuaSpeciesMixWithADielPattern()
    {
        var events = SimRun.Get("leopard").Readings.OfType<CameraTrapEvent>().ToList();
        var detections = events.SelectMany(e => e.Detections.Select(d => (e.Timestamp, d.Species))).ToList();

        foreach (string species in new[] { "Capreolus pygargus", "Sus scrofa", "Prionailurus bengalensis", "Meles leucurus", "human" })
        {
            Assert.Contains(detections, d => d.Species == species);
        }

        Assert.Contains(events, e => e.Detections.Count == 0);
        var leopardCats = detections.Where(d => d.Species == "Prionailurus bengalensis").ToList();
        int night = leopardCats.Count(d => d.Timestamp.ToOffset(TimeSpan.FromHours(8)).Hour is >= 19 or < 6);
        Assert.True(night > leopardCats.Count * 0.7, $"{night} of {leopardCats.Count} leopard cat detections at night");
        var people = detections.Where(d => d.Species == "human").ToList();
        Assert.True(people.Count(d => d.Timestamp.ToOffset(TimeSpan.FromHours(8)).Hour is >= 7 and < 18) > people.Count * 0.7);
    }

    private static double Correlation(IEnumerable<double> xs, IEnumerable<double> ys)
    {
        double[] x = xs.ToArray(), y = ys.ToArray();
        double mx = x.Average(), my = y.Average();
        double cov = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
        return cov / Math.Sqrt(x.Sum(v => (v - mx) * (v - mx)) * y.Sum(v => (v - my) * (v - my)));
    }
}
