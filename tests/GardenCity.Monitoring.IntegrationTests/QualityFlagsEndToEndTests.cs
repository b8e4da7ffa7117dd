using System.Globalization;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Quality flags through Mosquitto, the ingestion worker and a real influxd (docs/data-quality.md): a spike found one
/// sample later is re-flagged on the same point (never a second point), its values untouched, and the query API
/// returns and filters the flags.
/// </summary>
public sealed class QualityFlagsEndToEndTests(ServersFixture servers)
{
    [Fact]
    public async Task Ingest_GaugeSpike_IsStoredOnceAndReflaggedBadAndTheApiFiltersIt()
    {
        QualityPolicy policy = QualityPolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "quality.yaml"), TestIngestion.Stations);
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, quality: policy);
        await using TestPublisher station = await TestPublisher.ConnectAsync(servers.Mosquitto.Port);
        double[] levels = [1.00, 1.01, 3.10, 1.02, 1.01];
        for (int i = 0; i < levels.Length; i++)
        {
            await station.PublishAsync("gc/v1/water-level/yd-wl-03/telemetry", "{\"ts\":\"2023-07-31T02:" + (i * 5).ToString("00", CultureInfo.InvariantCulture) + ":00Z\",\"seq\":" + (i + 1).ToString(CultureInfo.InvariantCulture) + ",\"values\":{\"water_level_m\":" + levels[i].ToString("0.00", CultureInfo.InvariantCulture) + "}}");
            await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", i + 1);
        }

        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", 1, "WHERE \"quality\" = 'bad'");
        InfluxSeries stored = Assert.Single(await ingestion.QueryAsync("SELECT water_level_m, seq, quality, quality_checks FROM water_level"));
        Assert.Equal(5, stored.Values.Count); // the re-flag merged into the spike's point: no sixth point
        Assert.Equal(levels, Enumerable.Range(0, 5).Select(i => stored.Number(i, "water_level_m")!.Value));
        Assert.Equal(3, stored.Number(2, "seq"));
        Assert.Equal([null, null, "bad", null, null], Enumerable.Range(0, 5).Select(i => stored.Text(i, "quality"))); // flags only where found
        Assert.Equal("spike:water_level_m", stored.Text(2, "quality_checks"));

        var queries = new ApiQueries(ingestion.Query, TestIngestion.Stations);
        TestIngestion.Stations.TryGet("yd-wl-03", out Station? gauge);
        DateTimeOffset from = new(2023, 7, 31, 2, 0, 0, TimeSpan.Zero);
        IReadOnlyList<SeriesPoint> all = await queries.SeriesAsync(gauge!, "water_level_m", "max", TimeSpan.FromMinutes(5), from, from.AddHours(1), TestContext.Current.CancellationToken);
        Assert.Equal([QualityFlag.Good, QualityFlag.Good, QualityFlag.Bad, QualityFlag.Good, QualityFlag.Good], all.Select(p => p.Flag));
        IReadOnlyList<SeriesPoint> usable = await queries.SeriesAsync(gauge!, "water_level_m", "max", TimeSpan.FromHours(1), from, from.AddHours(1), TestContext.Current.CancellationToken, QualityFlag.Doubtful);
        Assert.Equal(1.02, Assert.Single(usable).Value); // the hour's maximum without the spike
        IReadOnlyList<SeriesPoint> good = await queries.SeriesAsync(gauge!, "water_level_m", "mean", TimeSpan.FromMinutes(10), from, from.AddHours(1), TestContext.Current.CancellationToken, QualityFlag.Good);
        Assert.Equal([1.005, 1.02, 1.01], good.Select(p => Math.Round(p.Value, 3))); // windows 02:00, 02:10 (spike left out), 02:20
        Assert.All(good, p => Assert.Equal(QualityFlag.Good, p.Flag));
        IReadOnlyList<SeriesPoint> hourAll = await queries.SeriesAsync(gauge!, "water_level_m", "max", TimeSpan.FromHours(1), from, from.AddHours(1), TestContext.Current.CancellationToken);
        Assert.Equal((3.10, QualityFlag.Bad), (Assert.Single(hourAll).Value, hourAll[0].Flag));

        // The telemetry CSV export carries the flags with the raw values.
        using var csv = new MemoryStream();
        await TelemetryCsv.WriteAsync(csv, queries, gauge!, from, from.AddHours(1), TestContext.Current.CancellationToken);
        string[] lines = System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time_utc,time_local,station,flow_m3s,rain_mm,water_level_m,seq,quality,quality_checks", lines[0]);
        Assert.Equal("2023-07-31T02:10:00Z,2023-07-31T10:10:00+08:00,yd-wl-03,,,3.1,3,bad,spike:water_level_m", lines[3]);
        Assert.Equal("2023-07-31T02:15:00Z,2023-07-31T10:15:00+08:00,yd-wl-03,,,1.02,4,,", lines[4]); // good: no flags stored
        Assert.Equal(6, lines.Length);
    }
}
