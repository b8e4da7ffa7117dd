using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.DeviceSimulator.Model;
using GardenCity.Monitoring.DeviceSimulator.Scenarios;

namespace GardenCity.Monitoring.DeviceSimulator.Tests.Scenarios;

public sealed class ScenarioTests
{
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);

    [Fact]
    public void Rainstorm_SomeStationsPassHundredMillimetresPerHourAndSeveralHundredIn24Hours()
    {
        SimRun run = SimRun.Get("rainstorm-23-7");
        var rain = run.Readings.OfType<TelemetryReading>().Where(r => r.Station.Kind == StationKind.Weather)
            .GroupBy(r => r.Station.Id).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Timestamp).ToList());

        double MaxWindow(List<TelemetryReading> rs, TimeSpan window) =>
            rs.Max(r => rs.Where(x => x.Timestamp > r.Timestamp - window && x.Timestamp <= r.Timestamp).Sum(x => x.Values["rain_mm"]));

        var hourly = rain.ToDictionary(kv => kv.Key, kv => MaxWindow(kv.Value, TimeSpan.FromHours(1)));
        var daily = rain.ToDictionary(kv => kv.Key, kv => MaxWindow(kv.Value, TimeSpan.FromHours(24)));

        Assert.Contains(hourly.Values, h => h > 100);
        Assert.Contains(hourly.Values, h => h < 100);
        Assert.Contains(daily.Values, d => d > 300);
        Assert.All(daily.Values, d => Assert.InRange(d, 150, 1200));
    }

    [Fact]
    public void Rainstorm_GaugesPassWarningThenGuaranteedLevel()
    {
        SimRun run = SimRun.Get("rainstorm-23-7");
        int passedBoth = 0;
        foreach (Station gauge in SimRun.Registry.Stations.Where(s => s.Kind == StationKind.WaterLevel))
        {
            var stages = run.Telemetry(gauge.Id).OrderBy(r => r.Timestamp).ToList();
            DateTimeOffset? warning = stages.FirstOrDefault(r => r.Values["water_level_m"] >= gauge.WarningLevelM)?.Timestamp;
            DateTimeOffset? guaranteed = stages.FirstOrDefault(r => r.Values["water_level_m"] >= gauge.GuaranteedLevelM)?.Timestamp;
            Assert.True(stages[0].Values["water_level_m"] < gauge.WarningLevelM, $"{gauge.Id} starts above its warning level");
            if (guaranteed is not null)
            {
                Assert.True(warning < guaranteed, $"{gauge.Id} passed guaranteed before warning");
                passedBoth++;
            }
        }

        Assert.True(passedBoth >= 3, $"{passedBoth} gauges passed their guaranteed level");
    }

    [Fact]
    public void Rainstorm_GaugeRisesAfterTheRainNotBefore()
    {
        SimRun run = SimRun.Get("rainstorm-23-7");
        var gauge = run.Telemetry("yd-wl-03").OrderBy(r => r.Timestamp).ToList();
        var rain = run.Readings.OfType<TelemetryReading>().Where(r => r.Station.Kind == StationKind.Weather && r.Station.Watershed == "yongding")
            .GroupBy(r => r.Timestamp).Select(g => (Time: g.Key, Mean: g.Average(r => r.Values["rain_mm"]))).OrderBy(x => x.Time).ToList();
        double baseStage = gauge[0].Values["water_level_m"];

        DateTimeOffset firstRain = rain.First(x => x.Mean > 0.05).Time;
        DateTimeOffset peakRain = rain.MaxBy(x => x.Mean).Time;
        DateTimeOffset peakStage = gauge.MaxBy(r => r.Values["water_level_m"])!.Timestamp;

        Assert.All(gauge.Where(r => r.Timestamp <= firstRain), r => Assert.InRange(r.Values["water_level_m"], baseStage - 0.05, baseStage + 0.05));
        Assert.True(peakStage > peakRain, $"stage peaked at {peakStage}, rain at {peakRain}");
        double end = gauge[^1].Values["water_level_m"], peak = gauge.Max(r => r.Values["water_level_m"]);
        Assert.True(end < peak - ((peak - baseStage) / 2), "the gauge recedes after the storm");
    }

    [Fact]
    public void Rainstorm_StationsAreLostWithLastWillAndSendNothingAfter()
    {
        SimRun run = SimRun.Get("rainstorm-23-7");
        var lost = run.Messages.Where(m => m.Type == SimMessageType.LinkLost).ToList();

        Assert.InRange(lost.Count, 2, 10);
        foreach (SimMessage will in lost)
        {
            Assert.Contains("\"online\":false", SimRun.Text(will), StringComparison.Ordinal);
            Assert.DoesNotContain(run.Messages, m => m.StationId == will.StationId && m.SendAt > will.SendAt);
        }

        Assert.True(run.Simulation.SamplesLostAtStations > 0);
    }

    [Fact]
    public void ForestFire_SmokeThenFlameAtOneStationWithCoRisingThereAndLaterNearby()
    {
        SimRun run = SimRun.Get("forest-fire");
        var events = run.Readings.OfType<FireEvent>().OrderBy(e => e.Timestamp).ToList();

        Assert.Equal([FireDetectionType.Smoke, FireDetectionType.Flame], events.Select(e => e.Detection));
        Assert.Single(events.Select(e => e.Station.Id).Distinct());
        string origin = events[0].Station.Id;
        double CoAt(string id, DateTimeOffset from, DateTimeOffset to) => run.Telemetry(id).Where(r => r.Timestamp >= from && r.Timestamp < to).Max(r => r.Values["co_ppm"]);
        DateTimeOffset ignition = ForestFireScenario.Ignition;

        Assert.True(CoAt(origin, ignition.AddHours(-6), ignition) < 1);
        Assert.True(CoAt(origin, ignition, ignition.AddHours(2)) > 20);
        Assert.True(CoAt("mfs-fire-01", ignition, ignition.AddHours(3)) is > 2 and < 30, "CO rises nearby, weaker");
        Assert.True(CoAt("jls-fire-01", ignition, ignition.AddHours(3)) < CoAt("mfs-fire-01", ignition, ignition.AddHours(3)), "farther stations see less");
        var midday = run.Readings.OfType<TelemetryReading>().Where(r => r.Station.Kind == StationKind.Weather && r.Timestamp.ToOffset(Cst).Hour is >= 12 and <= 15).ToList();
        Assert.True(midday.Average(r => r.Values["rh_pct"]) < 25);
        Assert.True(midday.Average(r => r.Values["wind_speed_ms"]) > 5);
    }

    [Fact]
    public void Leopard_SeenByThreeOrMoreTrapsAlongTheCorridorOnDifferentNights()
    {
        var sightings = SimRun.Get("leopard").Readings.OfType<CameraTrapEvent>()
            .Where(e => e.Detections.Any(d => d.Species == LeopardScenario.Leopard && d.Confidence >= 0.8)).OrderBy(e => e.Timestamp).ToList();

        Assert.True(sightings.Select(e => e.Station.Id).Distinct().Count() >= 3);
        Assert.True(sightings.Select(e => e.Timestamp.ToOffset(Cst).AddHours(-12).Date).Distinct().Count() >= 3, "on different nights");
        Assert.All(sightings, e => Assert.True(e.Timestamp.ToOffset(Cst).Hour is >= 21 or < 3));
        var longitudes = sightings.Select(e => e.Station.Lon).ToList();
        Assert.Equal(longitudes.OrderDescending(), longitudes);
    }

    [Fact]
    public void Outage_BacklogArrivesCompleteAndInOrder()
    {
        SimRun run = SimRun.Get("outage");
        var lostStations = run.Messages.Where(m => m.Type == SimMessageType.LinkLost).Select(m => m.StationId).ToHashSet();
        Assert.True(lostStations.Count >= 5);
        Assert.Equal(lostStations, run.Messages.Where(m => m.Type == SimMessageType.LinkBack).Select(m => m.StationId).ToHashSet());

        foreach (string id in lostStations)
        {
            var received = run.Decoded.Where(d => d.Message.StationId == id).SelectMany(d => d.Result.Readings).Where(r => r.Seq is not null).ToList();
            var seqs = received.Select(r => r.Seq!.Value).ToList();
            Assert.Equal(Enumerable.Range(0, seqs.Count).Select(i => seqs[0] + i), seqs.Order());
            var backlog = run.Decoded.Where(d => d.Message.StationId == id && d.Message.Type == SimMessageType.Backlog).ToList();
            int perHour = received[0].Station.Kind switch { StationKind.Fire => 6, StationKind.CameraTrap => 0, _ => 12 };
            Assert.True(perHour == 0 || backlog.Count > 0, $"{id} sent no backlog");
            DateTimeOffset lostAt = run.Messages.Single(m => m.StationId == id && m.Type == SimMessageType.LinkLost).SendAt;
            DateTimeOffset backAt = run.Messages.Single(m => m.StationId == id && m.Type == SimMessageType.LinkBack).SendAt;
            Assert.All(backlog.SelectMany(d => d.Result.Readings), r => Assert.InRange(r.Timestamp, lostAt, backAt));
            Assert.All(backlog, d => Assert.Equal(d.Result.Readings.OrderBy(r => r.Timestamp).Select(r => r.Seq), d.Result.Readings.Select(r => r.Seq)));
            Assert.Equal(4 * perHour, backlog.SelectMany(d => d.Result.Readings).Count(r => r is TelemetryReading));
            Assert.DoesNotContain(run.Messages, m => m.StationId == id && m.SendAt >= lostAt && m.SendAt < backAt && m.Type is not SimMessageType.LinkLost);
        }
    }

    [Fact]
    public void BadInputs_EveryContractRejectionAppearsAndIsRejectedForThatReason()
    {
        SimRun run = SimRun.Get("bad-inputs");
        var bad = run.Decoded.Where(d => d.Message.Type == SimMessageType.Bad).ToList();

        Assert.All(bad, d =>
        {
            Assert.Empty(d.Result.Readings);
            Assert.Equal(d.Message.ExpectedRejection, Assert.Single(d.Result.Rejections).Reason.Code());
        });
        Assert.Equal(Enum.GetValues<RejectionReason>().Select(r => r.Code()).Order(), bad.Select(d => d.Message.ExpectedRejection!).Distinct().Order());
        Assert.All(run.Decoded.Where(d => d.Message.Type != SimMessageType.Bad), d => Assert.Empty(d.Result.Rejections));
        int good = run.Decoded.Count(d => d.Message.Type == SimMessageType.Telemetry);
        Assert.Equal(good / 4, bad.Count);
    }
}
