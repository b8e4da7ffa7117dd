using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 18, retention and downsampling (docs/retention.md), against the real influxd 1.6.7: the retention policies
/// created at start, an existing policy never shortened, the hourly job's aggregates checked against figures computed
/// here from what was written (late reading folded in, re-run idempotent), the camera-trap copies, and the migration
/// script of an existing installation.
/// </summary>
public sealed class RetentionTests(ServersFixture servers)
{
    private static readonly string MigrateScript = Path.Combine(Repo.Root, "deploy", "influxdb-retention-migrate.sh");

    [Fact]
    public async Task FreshDatabase_RawDefaultGetsRawDuration_ForeverIsInfinite_AndAgainChangesNothing()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = "rt" + Guid.NewGuid().ToString("N")[..12];
        await using ServiceProvider sp = Services(database, new FakeTimeProvider(DateTimeOffset.UtcNow));
        IReadingWriter writer = sp.GetRequiredService<IReadingWriter>();

        await writer.InitializeAsync(ct);
        Dictionary<string, (string Duration, bool Default)> first = await PoliciesAsync(sp, database, ct);
        await writer.InitializeAsync(ct);

        Assert.Equal(("2160h0m0s", true), first["autogen"]);
        Assert.Equal(("0s", false), first["forever"]);
        Assert.Equal(2, first.Count);
        Assert.Equal(first, await PoliciesAsync(sp, database, ct));
        Assert.DoesNotContain(sp.GetFakeLogCollector().GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task ExistingDatabase_DefaultPolicyIsNeverShortened_AWarningSaysSo_AndTheForeverPolicyIsAdded()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = "rx" + Guid.NewGuid().ToString("N")[..12];
        await using ServiceProvider sp = Services(database, new FakeTimeProvider(DateTimeOffset.UtcNow));
        InfluxQlClient query = sp.GetRequiredService<InfluxQlClient>();
        await query.ExecuteAsync($"CREATE DATABASE {InfluxQl.Identifier(database)}", ct); // as every installation before issue 18

        await sp.GetRequiredService<IReadingWriter>().InitializeAsync(ct);

        Dictionary<string, (string Duration, bool Default)> policies = await PoliciesAsync(sp, database, ct);
        Assert.Equal(("0s", true), policies["autogen"]);
        Assert.Equal(("0s", false), policies["forever"]);
        FakeLogRecord warning = Assert.Single(sp.GetFakeLogCollector().GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("GardenCity:Retention:RawDuration", warning.Message, StringComparison.Ordinal);
        Assert.Contains("never changed", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneCycle_WritesHourlyAggregatesEqualToTheReadings_FoldsInALateReading_AndReRunsIdempotently()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = "rd" + Guid.NewGuid().ToString("N")[..12];
        DateTimeOffset now = HourlyFloor(DateTimeOffset.UtcNow) + TimeSpan.FromMinutes(10);
        DateTimeOffset hour = HourlyFloor(now);
        var time = new FakeTimeProvider(now);
        await using ServiceProvider sp = Services(database, time);
        IReadingWriter writer = sp.GetRequiredService<IReadingWriter>();
        InfluxQlClient query = sp.GetRequiredService<InfluxQlClient>();
        HourlyDownsampler downsampler = sp.GetRequiredService<HourlyDownsampler>();
        await writer.InitializeAsync(ct);

        // Weather over three completed hours and the current one (not aggregated yet), two stations, flagged values.
        var readings = new List<Weather>
        {
            new("w1", "yd", hour - TimeSpan.FromMinutes(170), 21.5, 0.2, 180, null),
            new("w1", "yd", hour - TimeSpan.FromMinutes(160), 22.25, 0.0, 190, null),
            new("w1", "yd", hour - TimeSpan.FromMinutes(150), 35.0, 1.4, 200, "spike:air_temp_c"),
            new("w1", "yd", hour - TimeSpan.FromMinutes(100), 20.0, 3.5, 210, "stuck:rain_mm"),
            new("w1", "yd", hour - TimeSpan.FromMinutes(95), 19.5, 4.25, 220, null),
            new("w1", "yd", hour - TimeSpan.FromMinutes(30), 18.75, 0.5, 230, null),
            new("w2", null, hour - TimeSpan.FromMinutes(150), 17.0, 0.0, 10, null),
            new("w2", null, hour - TimeSpan.FromMinutes(45), 16.5, 2.0, 20, null),
            new("w1", "yd", hour + TimeSpan.FromMinutes(5), 18.0, 0.1, 240, null),
        };
        await WriteAsync(writer, readings, ct);
        await WriteCameraAndStatusAsync(writer, hour, ct);

        DownsampleResult first = await downsampler.RunCycleAsync(ct);
        Assert.Equal((hour - TimeSpan.FromHours(48), hour), (first.From, first.To));
        Assert.Equal(Expected(readings, hour), await WeatherHoursAsync(query, ct));

        // A late reading of w1 into its oldest hour: the next cycle folds it in.
        var late = new Weather("w1", "yd", hour - TimeSpan.FromMinutes(175), 30.0, 2.0, 170, "soft-limit:rain_mm");
        readings.Add(late);
        await WriteAsync(writer, [late], ct);
        time.Advance(TimeSpan.FromMinutes(10));
        await downsampler.RunCycleAsync(ct);
        List<string> afterLate = await WeatherHoursAsync(query, ct);
        Assert.Equal(Expected(readings, hour), afterLate);

        // Again without new data: the same points, none added (same time and tags overwrite).
        string everything = await ForeverDumpAsync(query, ct);
        await downsampler.RunCycleAsync(ct);
        Assert.Equal(everything, await ForeverDumpAsync(query, ct));
        Assert.Equal(afterLate, await WeatherHoursAsync(query, ct));

        // Camera traps: hourly counts, and the raw points kept for ever with their types.
        IReadOnlyList<InfluxSeries> triggers = await query.QueryAsync("SELECT \"triggers\", \"detections\" FROM \"camera_trap_trigger_1h\" GROUP BY \"station\"", InfluxTarget.Forever, ct);
        InfluxSeries c1 = Assert.Single(triggers);
        Assert.Equal(((hour - TimeSpan.FromHours(2)).ToUnixTimeMilliseconds(), 2.0, 2.0), (c1.Time(0).ToUnixTimeMilliseconds(), c1.Number(0, "triggers"), c1.Number(0, "detections")));
        IReadOnlyList<InfluxSeries> species = await query.QueryAsync("SELECT \"detections\", \"individuals\", \"confidence_max\" FROM \"camera_trap_1h\" GROUP BY \"species\"", InfluxTarget.Forever, ct);
        Assert.Equal(
            ["boar 1 3 0.8", "leopard 1 1 0.9"],
            species.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Tags["species"]} {s.Number(0, "detections")} {s.Number(0, "individuals")} {s.Number(0, "confidence_max")}")).Order(StringComparer.Ordinal));
        Assert.Equal(await RawDumpAsync(query, "SELECT * FROM \"camera_trap\" GROUP BY *", InfluxTarget.Raw, ct), await RawDumpAsync(query, "SELECT * FROM \"camera_trap\" GROUP BY *", InfluxTarget.Forever, ct));
        Assert.Equal(await RawDumpAsync(query, "SELECT * FROM \"camera_trap_trigger\" GROUP BY *", InfluxTarget.Raw, ct), await RawDumpAsync(query, "SELECT * FROM \"camera_trap_trigger\" GROUP BY *", InfluxTarget.Forever, ct));
        Assert.Equal(
            await RawDumpAsync(query, "SELECT * FROM \"station_status\" WHERE \"kind\" = 'camera-trap' GROUP BY *", InfluxTarget.Raw, ct),
            await RawDumpAsync(query, "SELECT * FROM \"station_status\" GROUP BY *", InfluxTarget.Forever, ct)); // the weather station's status is not copied
        Assert.Equal(
            ["confidence float", "count integer", "event_id string", "seq integer"],
            await FieldTypesAsync(query, "camera_trap", ct));
        Assert.Equal(
            ["battery_v float", "online boolean", "seq integer"],
            await FieldTypesAsync(query, "station_status", ct));

        // Status: battery of both stations, per hour.
        IReadOnlyList<InfluxSeries> status = await query.QueryAsync("SELECT \"battery_v_min\", \"battery_v_max\", \"reports\" FROM \"station_status_1h\" GROUP BY \"station\"", InfluxTarget.Forever, ct);
        Assert.Equal(["c1 12.1 12.5 2", "w1 13.2 13.2 1"], status.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Tags["station"]} {s.Number(0, "battery_v_min")} {s.Number(0, "battery_v_max")} {s.Number(0, "reports")}")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task OnePlace_ForeverPolicyEmpty_NothingGetsADuration_AggregatesBesideTheReadings_NoCopies()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = "ro" + Guid.NewGuid().ToString("N")[..12];
        DateTimeOffset now = HourlyFloor(DateTimeOffset.UtcNow) + TimeSpan.FromMinutes(10);
        DateTimeOffset hour = HourlyFloor(now);
        await using ServiceProvider sp = Services(database, new FakeTimeProvider(now), ("GardenCity:Retention:ForeverPolicy", string.Empty));
        IReadingWriter writer = sp.GetRequiredService<IReadingWriter>();
        InfluxQlClient query = sp.GetRequiredService<InfluxQlClient>();
        await writer.InitializeAsync(ct);
        await WriteCameraAndStatusAsync(writer, hour, ct);

        DownsampleResult result = await sp.GetRequiredService<HourlyDownsampler>().RunCycleAsync(ct);

        Assert.Equal(("0s", true), Assert.Single(await PoliciesAsync(sp, database, ct)).Value);
        Assert.Equal(0, result.Copies);
        Assert.Equal(2, (await query.QueryAsync("SELECT \"count\" FROM \"camera_trap\"", InfluxTarget.Forever, ct)).Single().Values.Count);
        Assert.Single(await query.QueryAsync("SELECT \"triggers\" FROM \"camera_trap_trigger_1h\"", InfluxTarget.Raw, ct));
    }

    [Fact]
    public async Task MigrationScript_CopiesWhatIsKeptForEver_ThenShortensAutogen_AndOldAlertHistorySurvivesInForever()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = "rm" + Guid.NewGuid().ToString("N")[..12];
        await using ServiceProvider sp = Services(database, new FakeTimeProvider(DateTimeOffset.UtcNow));
        InfluxQlClient query = sp.GetRequiredService<InfluxQlClient>();
        await query.ExecuteAsync($"CREATE DATABASE {InfluxQl.Identifier(database)}", ct); // everything in autogen, as before issue 18
        long old = (DateTimeOffset.UtcNow - TimeSpan.FromDays(400)).ToUnixTimeMilliseconds() * 1_000_000;
        long recent = (DateTimeOffset.UtcNow - TimeSpan.FromDays(3)).ToUnixTimeMilliseconds() * 1_000_000;
        string lines = string.Join('\n',
            $"alert_event,rule=flood-level,station=qs-wl-01,site=qs,audience=emergency,transition=raised,severity=orange alert_id=\"a-1\",revision=1i,peak=3.2 {old}",
            $"alert_event,rule=flood-level,station=qs-wl-01,site=qs,audience=emergency,transition=resolved,severity=orange alert_id=\"a-1\",revision=2i,peak=3.2 {old + 3_600_000_000_000}",
            $"alert_delivery,channel=sms,status=sent alert_id=\"a-1\",rounds=1i,tier=1i {old}",
            $"fire_weather,station=f1,site=s in_season=true,fwi=12.5 {old}",
            $"geohazard,unit=u1,site=s,hazard=landslide gauge=\"g1\",effective_rain_mm=80 {recent}",
            $"camera_trap_review,station=c1,site=s,species=leopard decision=\"confirmed\",count=1i {old}",
            $"camera_trap,station=c1,site=s,kind=camera-trap,species=leopard count=1i,confidence=0.9,event_id=\"e1\" {old}",
            $"camera_trap_trigger,station=c1,site=s,kind=camera-trap detections=1i,event_id=\"e1\" {old}",
            $"station_status,station=c1,site=s,kind=camera-trap online=true {old}",
            $"station_status,station=w1,site=s,kind=weather online=true {old}",
            $"weather,station=w1,site=s,kind=weather air_temp_c=20 {recent}");
        using (var http = new HttpClient())
        using (HttpResponseMessage write = await http.PostAsync(new Uri($"{servers.Influx.Url}/write?db={database}"), new StringContent(lines), ct))
        {
            Assert.True(write.IsSuccessStatusCode, await write.Content.ReadAsStringAsync(ct));
        }

        // First the copy alone (autogen untouched), compared point for point with the source.
        var (code, stdout, stderr) = await Repo.RunAsync("bash", [MigrateScript, "--url", servers.Influx.Url, "--db", database], timeout: TimeSpan.FromMinutes(2));
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(("0s", true), (await PoliciesAsync(sp, database, ct))["autogen"]);
        foreach (string m in new[] { "alert_event", "alert_delivery", "fire_weather", "geohazard", "camera_trap_review", "camera_trap", "camera_trap_trigger" })
        {
            string source = await RawDumpAsync(query, $"SELECT * FROM \"{m}\" GROUP BY *", InfluxTarget.Raw, ct);
            Assert.NotEmpty(source);
            Assert.Equal(source, await RawDumpAsync(query, $"SELECT * FROM \"{m}\" GROUP BY *", InfluxTarget.Forever, ct));
        }

        Assert.Equal(["c1"], (await query.QueryAsync("SELECT \"online\" FROM \"station_status\" GROUP BY \"station\"", InfluxTarget.Forever, ct)).Select(s => s.Tags["station"]));
        Assert.Equal(["alert_id string", "peak float", "revision integer"], await FieldTypesAsync(query, "alert_event", ct));
        Assert.Empty(await query.QueryAsync("SELECT * FROM \"weather\"", InfluxTarget.Forever, ct));

        // Then again with --shorten: the copy is checked again (harmless, the same points), then autogen is shortened.
        (code, stdout, stderr) = await Repo.RunAsync("bash", [MigrateScript, "--url", servers.Influx.Url, "--db", database, "--shorten", "2160h"], timeout: TimeSpan.FromMinutes(2));
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(("2160h0m0s", true), (await PoliciesAsync(sp, database, ct))["autogen"]);
        Assert.Equal(("0s", false), (await PoliciesAsync(sp, database, ct))["forever"]);
        IReadOnlyList<InfluxSeries> history = await query.QueryAsync("SELECT \"revision\" FROM \"alert_event\" WHERE \"alert_id\" = 'a-1'", InfluxTarget.Forever, ct);
        Assert.Equal([1.0, 2.0], Enumerable.Range(0, Assert.Single(history).Values.Count).Select(i => history[0].Number(i, "revision")));
    }

    [Fact]
    public async Task Api_LongRangeReadsTheHourlyAggregatesWhereRawIsGone_ShortRangeReadsRaw_AndSaysWhich()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = "ra" + Guid.NewGuid().ToString("N")[..12];
        DateTimeOffset now = HourlyFloor(DateTimeOffset.UtcNow) + TimeSpan.FromMinutes(10);
        DateTimeOffset hour = HourlyFloor(now);
        await using ServiceProvider sp = Services(database, new FakeTimeProvider(now), ("GardenCity:Retention:RawDuration", "2.00:00:00"), ("GardenCity:Retention:DownsampleLookBack", "1.00:00:00"));
        IReadingWriter writer = sp.GetRequiredService<IReadingWriter>();
        InfluxQlClient query = sp.GetRequiredService<InfluxQlClient>();
        await writer.InitializeAsync(ct);
        Assert.True(TestIngestion.Stations.TryGet("yd-wl-03", out Core.Stations.Station? gauge));

        // Stage readings in old hours (before the raw data is certainly complete: now − 2 days + 1 day) and recent ones.
        (double HoursAgo, double Level)[] readings = [(30.9, 2.5), (30.5, 2.75), (30.1, 3.5), (27.5, 4.0), (5.5, 1.25), (5.2, 1.5), (1.5, 1.0)];
        var lines = new LineProtocolBuffer();
        foreach ((double ago, double level) in readings)
        {
            lines.Point("water_level").Tag("station", gauge!.Id).Tag("site", gauge.Site.Id).Tag("kind", "water-level").Field("water_level_m", level).End(hour - TimeSpan.FromHours(ago));
        }

        await writer.WriteLinesAsync(lines.Written, ct);
        await sp.GetRequiredService<HourlyDownsampler>().DownsampleAsync(hour - TimeSpan.FromHours(36), hour, ct);
        var queries = new Api.Queries.ApiQueries(query, TestIngestion.Stations);
        DateTimeOffset complete = queries.RawCompleteFrom(now);
        Assert.Equal(now - TimeSpan.FromDays(1), complete);
        await query.ExecuteAsync($"DELETE FROM \"water_level\" WHERE time < {InfluxQl.TimeLiteral(complete)}", ct); // as retention would

        // Long range, hourly windows: the old hours from the aggregates, the recent ones from raw.
        Api.Queries.SeriesAnswer longRange = await queries.SeriesBySourceAsync(gauge!, "water_level_m", "mean", TimeSpan.FromHours(1), hour - TimeSpan.FromHours(36), hour + TimeSpan.FromHours(1), now, ct);
        DateTimeOffset cut = HourlyFloor(complete) + TimeSpan.FromHours(1); // the first whole window from "complete" on
        Assert.Equal((Api.Queries.SeriesSources.HourlyAndRaw, (DateTimeOffset?)cut), (longRange.Source, longRange.RawFrom));
        List<string> expected = readings
            .GroupBy(r => HourlyFloor(hour - TimeSpan.FromHours(r.HoursAgo)))
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key:o} {Math.Round(g.Average(r => r.Level), 9)}"))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, longRange.Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Time:o} {Math.Round(p.Value, 9)}")).Order(StringComparer.Ordinal));

        // Short range: raw only.
        Api.Queries.SeriesAnswer shortRange = await queries.SeriesBySourceAsync(gauge!, "water_level_m", "max", TimeSpan.FromHours(1), hour - TimeSpan.FromHours(6), hour, now, ct);
        Assert.Equal((Api.Queries.SeriesSources.Raw, (DateTimeOffset?)null), (shortRange.Source, shortRange.RawFrom));
        Assert.Equal([1.5, 1.0], shortRange.Points.Select(p => p.Value));

        // Windows shorter than an hour cannot come from hourly figures: raw, and the expired hours are simply not there.
        Api.Queries.SeriesAnswer fine = await queries.SeriesBySourceAsync(gauge!, "water_level_m", "max", TimeSpan.FromMinutes(10), hour - TimeSpan.FromHours(36), hour, now, ct);
        Assert.Equal(Api.Queries.SeriesSources.Raw, fine.Source);
        Assert.Equal([1.25, 1.5, 1.0], fine.Points.Select(p => p.Value));
    }

    [Fact]
    public async Task Sweep_CopiesACameraBacklogThatArrivedLaterThanTheLookBack()
    {
        // A camera trap's backlog of events five days old: the look-back (2 h) never reaches it, and once raw retention
        // passes the copy is the only record. Before the daily sweep it was never copied.
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = "rs" + Guid.NewGuid().ToString("N")[..12];
        DateTimeOffset now = HourlyFloor(DateTimeOffset.UtcNow) + TimeSpan.FromMinutes(10);
        DateTimeOffset hour = HourlyFloor(now);
        await using ServiceProvider sp = Services(database, new FakeTimeProvider(now), ("GardenCity:Retention:RawDuration", "10.00:00:00"), ("GardenCity:Retention:DownsampleLookBack", "02:00:00"));
        IReadingWriter writer = sp.GetRequiredService<IReadingWriter>();
        InfluxQlClient query = sp.GetRequiredService<InfluxQlClient>();
        await writer.InitializeAsync(ct);
        await WriteCameraAndStatusAsync(writer, hour - TimeSpan.FromDays(5), ct);
        HourlyDownsampler downsampler = sp.GetRequiredService<HourlyDownsampler>();

        await downsampler.DownsampleAsync(hour - TimeSpan.FromHours(2), hour, ct); // what a cycle's look-back covers
        Assert.Empty(await query.QueryAsync("SELECT \"count\" FROM \"camera_trap\"", InfluxTarget.Forever, ct));

        DownsampleResult first = await downsampler.RunCycleAsync(ct); // the process's first cycle sweeps
        Assert.Equal(2 + 2 + 2, first.Copies); // two detections, two triggers, the camera's two status reports
        InfluxSeries detections = Assert.Single(await query.QueryAsync("SELECT \"count\", \"species\" FROM \"camera_trap\"", InfluxTarget.Forever, ct));
        Assert.Equal(["boar 3", "leopard 1"], Enumerable.Range(0, detections.Values.Count)
            .Select(i => $"{detections.Get(i, "species").GetString()} {detections.Get(i, "count").GetInt64()}").Order(StringComparer.Ordinal));

        DownsampleResult second = await downsampler.RunCycleAsync(ct); // within the day: no sweep again
        Assert.Equal(0, second.Copies);
    }

    [Fact]
    public async Task Ecology_RecordsOlderThanRawRetention_AreReadFromTheirCopies_RecentOnesFromRaw()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = "re" + Guid.NewGuid().ToString("N")[..12];
        DateTimeOffset now = HourlyFloor(DateTimeOffset.UtcNow) + TimeSpan.FromMinutes(10);
        DateTimeOffset hour = HourlyFloor(now);
        var time = new FakeTimeProvider(now);
        await using ServiceProvider sp = Services(database, time, ("GardenCity:Retention:RawDuration", "2.00:00:00"), ("GardenCity:Retention:DownsampleLookBack", "1.00:00:00"));
        IReadingWriter writer = sp.GetRequiredService<IReadingWriter>();
        InfluxQlClient query = sp.GetRequiredService<InfluxQlClient>();
        await writer.InitializeAsync(ct);
        DateTimeOffset oldHour = hour - TimeSpan.FromHours(30), recent = hour - TimeSpan.FromMinutes(20);

        // Old records (before "complete" = now − 1 day): raw may still hold them (InfluxDB drops whole shards) and their
        // copies are kept; one old detection is only in the copies (its raw shard already dropped). A recent one is raw.
        await WriteCameraAndStatusAsync(writer, oldHour, ct); // leopard ×1 and boar ×3 at oldHour − 115 min
        await WriteCameraAndStatusAsync(writer, oldHour, ct, InfluxTarget.Forever);
        var lines = new LineProtocolBuffer();
        lines.Point("camera_trap").Tag("station", "c1").Tag("site", "s1").Tag("kind", "camera-trap").Tag("zone", "core").Tag("species", "leopard")
            .Field("count", 5L).Field("confidence", 0.7).Field("event_id", "e5").Field("seq", 15L).End(oldHour - TimeSpan.FromMinutes(60));
        await writer.WriteLinesAsync(lines.Written, InfluxTarget.Forever, ct);
        lines.Clear();
        lines.Point("camera_trap").Tag("station", "c1").Tag("site", "s1").Tag("kind", "camera-trap").Tag("zone", "core").Tag("species", "leopard")
            .Field("count", 2L).Field("confidence", 0.95).Field("event_id", "e9").Field("seq", 20L).End(recent);
        lines.Point("camera_trap_trigger").Tag("station", "c1").Tag("site", "s1").Tag("kind", "camera-trap").Tag("zone", "core")
            .Field("detections", 1L).Field("event_id", "e9").Field("image_uri", "s3://x/e9.jpg").Field("seq", 20L).End(recent);
        await writer.WriteLinesAsync(lines.Written, ct);

        var queries = new Api.Queries.ApiQueries(query, TestIngestion.Stations, time: time);
        Assert.Equal(now - TimeSpan.FromDays(1), queries.RawCompleteFrom(now));

        DateTimeOffset from = hour - TimeSpan.FromHours(36), to = hour + TimeSpan.FromHours(1);
        IReadOnlyList<Api.Queries.DetectionRecord> leopards = await queries.DetectionsAsync("leopard", from, to, null, null, ct);
        Assert.Equal([(oldHour - TimeSpan.FromMinutes(115), 1), (oldHour - TimeSpan.FromMinutes(60), 5), (recent, 2)], leopards.Select(r => (r.Time, r.Count)));

        var all = new List<string>();
        await foreach (List<Api.Queries.SpeciesDetection> group in queries.StreamDetectionsAsync(from, to, ct))
        {
            all.AddRange(group.Select(d => $"{d.Time:o} {d.Species} {d.Count}"));
        }

        Assert.Equal(
            [$"{oldHour - TimeSpan.FromMinutes(115):o} boar 3", $"{oldHour - TimeSpan.FromMinutes(115):o} leopard 1", $"{oldHour - TimeSpan.FromMinutes(60):o} leopard 5", $"{recent:o} leopard 2"],
            all);
        IReadOnlyDictionary<string, List<DateTimeOffset>> working = await queries.WorkingEvidenceAsync(from, to, ct);
        Assert.Equal(5, working["c1"].Count); // two old status reports and two old triggers (once each), the recent trigger
        Assert.Equal(1, (await queries.DetectionAsync("c1", oldHour - TimeSpan.FromMinutes(115), "leopard", ct))?.Count);
        Assert.Equal("s3://x/e1.jpg", await queries.ImageUriAsync("c1", oldHour - TimeSpan.FromMinutes(115), ct));
    }

    private sealed record Weather(string Station, string? Watershed, DateTimeOffset Time, double Temp, double Rain, double WindDir, string? Checks);

    private ServiceProvider Services(string database, TimeProvider time, params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddSingleton(time);
        var values = new Dictionary<string, string?>
        {
            ["GardenCity:Influx:Url"] = servers.Influx.Url,
            ["GardenCity:Influx:Database"] = database,
        };
        foreach ((string key, string value) in settings)
        {
            values[key] = value;
        }

        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddDownsampling();
        return services.BuildServiceProvider();
    }

    private static DateTimeOffset HourlyFloor(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);

    private static async Task WriteAsync(IReadingWriter writer, IEnumerable<Weather> readings, CancellationToken ct)
    {
        var lines = new LineProtocolBuffer();
        foreach (Weather r in readings)
        {
            lines.Point("weather").Tag("station", r.Station).Tag("site", "s1").Tag("kind", "weather").Tag("watershed", r.Watershed)
                .Field("air_temp_c", r.Temp).Field("rain_mm", r.Rain).Field("wind_dir_deg", r.WindDir);
            if (r.Checks is not null)
            {
                lines.Field("quality", r.Checks.StartsWith("spike", StringComparison.Ordinal) ? "bad" : "doubtful").Field("quality_checks", r.Checks);
            }

            lines.End(r.Time);
        }

        await writer.WriteLinesAsync(lines.Written, ct);
    }

    private static async Task WriteCameraAndStatusAsync(IReadingWriter writer, DateTimeOffset hour, CancellationToken ct, InfluxTarget target = InfluxTarget.Raw)
    {
        DateTimeOffset e1 = hour - TimeSpan.FromMinutes(115), e2 = hour - TimeSpan.FromMinutes(100);
        var lines = new LineProtocolBuffer();
        lines.Point("camera_trap_trigger").Tag("station", "c1").Tag("site", "s1").Tag("kind", "camera-trap").Tag("zone", "core")
            .Field("detections", 2L).Field("event_id", "e1").Field("image_uri", "s3://x/e1.jpg").Field("seq", 7L).End(e1);
        lines.Point("camera_trap").Tag("station", "c1").Tag("site", "s1").Tag("kind", "camera-trap").Tag("zone", "core").Tag("species", "leopard")
            .Field("count", 1L).Field("confidence", 0.9).Field("event_id", "e1").Field("seq", 7L).End(e1);
        lines.Point("camera_trap").Tag("station", "c1").Tag("site", "s1").Tag("kind", "camera-trap").Tag("zone", "core").Tag("species", "boar")
            .Field("count", 3L).Field("confidence", 0.8).Field("event_id", "e1").Field("seq", 7L).End(e1);
        lines.Point("camera_trap_trigger").Tag("station", "c1").Tag("site", "s1").Tag("kind", "camera-trap").Tag("zone", "core")
            .Field("detections", 0L).Field("event_id", "e2").Field("image_uri", string.Empty).Field("seq", 8L).End(e2);
        lines.Point("station_status").Tag("station", "c1").Tag("site", "s1").Tag("kind", "camera-trap").Tag("zone", "core")
            .Field("online", true).Field("battery_v", 12.5).Field("seq", 9L).End(hour - TimeSpan.FromMinutes(170));
        lines.Point("station_status").Tag("station", "c1").Tag("site", "s1").Tag("kind", "camera-trap").Tag("zone", "core")
            .Field("online", true).Field("battery_v", 12.1).Field("seq", 10L).End(hour - TimeSpan.FromMinutes(130));
        lines.Point("station_status").Tag("station", "w1").Tag("site", "s1").Tag("kind", "weather").Tag("watershed", "yd")
            .Field("online", true).Field("battery_v", 13.2).End(hour - TimeSpan.FromMinutes(170));
        await writer.WriteLinesAsync(lines.Written, target, ct);
    }

    /// <summary>What <c>weather_1h</c> must hold, computed from the readings written: one line per station and completed hour.</summary>
    private static List<string> Expected(IEnumerable<Weather> readings, DateTimeOffset currentHour) =>
        readings.Where(r => r.Time < currentHour)
            .GroupBy(r => (r.Station, r.Watershed, Hour: HourlyFloor(r.Time)))
            .Select(g => Line(g.Key.Station, g.Key.Watershed, g.Key.Hour,
                Stats(g.Select(r => r.Temp)), Flag(g, "air_temp_c"),
                Stats(g.Select(r => r.Rain)), Flag(g, "rain_mm")))
            .Order(StringComparer.Ordinal).ToList();

    private static (double Mean, double Min, double Max, double Sum, long Count) Stats(IEnumerable<double> values)
    {
        double[] v = [.. values];
        return (v.Average(), v.Min(), v.Max(), v.Sum(), v.Length);
    }

    private static long Flag(IEnumerable<Weather> readings, string field) =>
        readings.Select(r => r.Checks).Max(c => c == "spike:" + field ? 2L : c is not null && c.EndsWith(":" + field, StringComparison.Ordinal) ? 1L : 0L);

    private static string Line(string station, string? watershed, DateTimeOffset hour, (double Mean, double Min, double Max, double Sum, long Count) temp, long tempFlag, (double Mean, double Min, double Max, double Sum, long Count) rain, long rainFlag) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{station}/{watershed} {hour:yyyy-MM-ddTHH} t={Math.Round(temp.Mean, 9)}/{temp.Min}/{temp.Max}/{Math.Round(temp.Sum, 9)}/{temp.Count}/{tempFlag} r={Math.Round(rain.Mean, 9)}/{rain.Min}/{rain.Max}/{Math.Round(rain.Sum, 9)}/{rain.Count}/{rainFlag}");

    private static async Task<List<string>> WeatherHoursAsync(InfluxQlClient query, CancellationToken ct)
    {
        var found = new List<string>();
        foreach (InfluxSeries s in await query.QueryAsync("SELECT * FROM \"weather_1h\" GROUP BY *", InfluxTarget.Forever, ct))
        {
            Assert.Equal(["air_temp_c_count", "air_temp_c_flag", "air_temp_c_max", "air_temp_c_mean", "air_temp_c_min", "air_temp_c_sum", "rain_mm_count", "rain_mm_flag", "rain_mm_max", "rain_mm_mean", "rain_mm_min", "rain_mm_sum"],
                s.Columns.Where(c => c != "time").Order(StringComparer.Ordinal)); // wind_dir_deg is not aggregated
            Assert.Equal("weather", s.Tags["kind"]);
            for (int i = 0; i < s.Values.Count; i++)
            {
                double N(string c) => s.Number(i, c) ?? double.NaN;
                found.Add(Line(s.Tags["station"], s.Tags["watershed"] is { Length: > 0 } w ? w : null, s.Time(i),
                    (N("air_temp_c_mean"), N("air_temp_c_min"), N("air_temp_c_max"), N("air_temp_c_sum"), (long)N("air_temp_c_count")), (long)N("air_temp_c_flag"),
                    (N("rain_mm_mean"), N("rain_mm_min"), N("rain_mm_max"), N("rain_mm_sum"), (long)N("rain_mm_count")), (long)N("rain_mm_flag")));
            }
        }

        return found.Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<string> ForeverDumpAsync(InfluxQlClient query, CancellationToken ct) =>
        await RawDumpAsync(query, "SELECT * FROM /.*/ GROUP BY *", InfluxTarget.Forever, ct);

    private static async Task<string> RawDumpAsync(InfluxQlClient query, string q, InfluxTarget target, CancellationToken ct)
    {
        IReadOnlyList<InfluxSeries> series = await query.QueryAsync(q, target, ct);
        return string.Join('\n', series.Select(s => s.Name + " " + string.Join(',', s.Tags.Where(t => t.Value.Length > 0).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value))
            + " " + string.Join(';', s.Values.Select(row => string.Join('|', s.Columns.Select((c, i) => c + ":" + row[i].GetRawText()).Where(x => !x.EndsWith(":null", StringComparison.Ordinal)))))));
    }

    private static async Task<List<string>> FieldTypesAsync(InfluxQlClient query, string measurement, CancellationToken ct)
    {
        IReadOnlyList<InfluxSeries> keys = await query.QueryAsync($"SHOW FIELD KEYS FROM {InfluxQl.Identifier(measurement)}", InfluxTarget.Forever, ct);
        InfluxSeries s = Assert.Single(keys);
        return Enumerable.Range(0, s.Values.Count).Select(i => s.Text(i, "fieldKey") + " " + s.Text(i, "fieldType")).Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<Dictionary<string, (string Duration, bool Default)>> PoliciesAsync(ServiceProvider sp, string database, CancellationToken ct)
    {
        IReadOnlyList<InfluxSeries> series = await sp.GetRequiredService<InfluxQlClient>().QueryAsync($"SHOW RETENTION POLICIES ON {InfluxQl.Identifier(database)}", ct);
        InfluxSeries s = Assert.Single(series);
        return Enumerable.Range(0, s.Values.Count).ToDictionary(i => s.Text(i, "name")!, i => (s.Text(i, "duration")!, s.Get(i, "default").ValueKind == JsonValueKind.True));
    }
}
