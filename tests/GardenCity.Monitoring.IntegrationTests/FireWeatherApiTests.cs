using System.Net;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 15, part B: the fire season through one real <c>gardencity run --roles ingest,alerting,api</c> process and
/// influxd. A weather station's noon observations on either side of the season's end and start go in over MQTT; the
/// alerting worker computes (or, out of season, only records) the days into <c>fire_weather</c>; the query API shows
/// which days were in season, the seasons, and the Drought Code overwintered by the configured Lawson &amp; Armitage
/// adjustment — checked against the hand computation of <c>FireSeasonTests</c>.
/// </summary>
public sealed class FireWeatherApiTests(ServersFixture servers)
{
    [Fact]
    public async Task FireWeather_ShowsTheDaysInSeason_AndTheCodesRestartedWithAnOverwinteredDc()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using GardenCityRun run = GardenCityRun.Create(servers, "fire").WithEmbeddedBroker()
            .With("GardenCity:FireSeason:Method", "Dates")
            .With("GardenCity:FireSeason:DroughtCodeStart", "Overwinter");
        using GardenCityProcess process = await run.StartAsync();

        // 12:30 Beijing time, one reading a day: (day, °C, RH %, rain mm); no wind.
        (string Day, double Temp, double Rh, double Rain)[] days = [("2026-05-31", 25, 20, 0), ("2026-06-01", 28, 50, 20), ("2026-10-31", 18, 50, 10), ("2026-11-01", 20, 40, 0)];
        await using (TestPublisher station = await TestPublisher.ConnectAsync(run.BrokerPort, "mfs-wx-01", "mfs-wx-01", "gc-dev-mfs-wx-01"))
        {
            for (int i = 0; i < days.Length; i++)
            {
                await station.PublishAsync("gc/v1/weather/mfs-wx-01/telemetry", JsonSerializer.Serialize(new
                {
                    ts = days[i].Day + "T12:30:00+08:00",
                    seq = 1 + i,
                    values = new { air_temp_c = days[i].Temp, rh_pct = days[i].Rh, wind_speed_ms = 0.0, rain_mm = days[i].Rain },
                }));
            }
        }

        await InfluxServer.WaitUntilAsync(async () => await CountAsync(run, "SELECT count(\"temp_c\") FROM \"fire_weather\"") == days.Length,
            TimeSpan.FromSeconds(60), () => "fire_weather days not stored\n" + process.Output[^Math.Min(3000, process.Output.Length)..], ct);

        using HttpClient api = run.ApiClient();
        using HttpResponseMessage response = await api.GetAsync(new Uri("/api/v1/stations/mfs-wx-01/fire-weather?from=2026-05-01T00:00:00%2B08:00&to=2026-11-02T00:00:00%2B08:00", UriKind.Relative), ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        JsonElement body = JsonDocument.Parse(text).RootElement;

        JsonElement season = body.GetProperty("season");
        Assert.Equal(("dates", "11-01", "05-31", "overwinter"), (season.GetProperty("method").GetString(), season.GetProperty("start").GetString(), season.GetProperty("end").GetString(), season.GetProperty("drought_code_start").GetString()));
        Assert.Equal(["2025-11-01..2026-05-31", "2026-11-01..2027-05-31"], body.GetProperty("seasons").EnumerateArray().Select(s => s.GetProperty("start").GetString() + ".." + s.GetProperty("end").GetString()));

        JsonElement[] d = body.GetProperty("days").EnumerateArray().ToArray();
        Assert.Equal(days.Select(x => x.Day), d.Select(x => x.GetProperty("date").GetString()));
        Assert.Equal([true, false, false, true], d.Select(x => x.GetProperty("in_season").GetBoolean()));
        Assert.All(d.Where(x => !x.GetProperty("in_season").GetBoolean()), x =>
        {
            Assert.Equal(JsonValueKind.Null, x.GetProperty("fwi").ValueKind); // out of season: not computed
            Assert.Equal(JsonValueKind.Null, x.GetProperty("dc").ValueKind);
            Assert.True(x.GetProperty("temp_c").GetDouble() > 0); // the weather is kept
        });

        // By hand (FireSeasonTests.Overwinter_NextSeasonStartsFromTheFallDcAndTheOffSeasonRain): DC on 31 May 21.904;
        // P_w = 20 + 10 mm; DC_s = 400·ln(800/(0.75·800·exp(−21.904/400) + 0.75·3.94·30)) = 78.968; DC(1 Nov) = DC_s + 3.304.
        Assert.Equal(21.9, d[0].GetProperty("dc").GetDouble());
        Assert.Equal("2025-11-01", d[0].GetProperty("season_start").GetString());
        Assert.Equal("2026-11-01", d[3].GetProperty("season_start").GetString());
        Assert.Equal(79.0, d[3].GetProperty("dc_start").GetDouble());
        Assert.Equal(82.3, d[3].GetProperty("dc").GetDouble());
        Assert.Equal(7.7, d[3].GetProperty("dmc").GetDouble()); // restarted from 6: 6 + 1.678

        // The dashboard's station page, as a person opens it by its address, at desktop width and at 400 px, over the
        // month before the season start (the dashboard's hourly rain chart allows at most MaxPoints hours).
        string shots = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(shots);
        string screenshot = Path.Combine(shots, "fire-weather.png");
        string browser = Path.Combine(Repo.Root, "tests", "GardenCity.Monitoring.IntegrationTests", "browser");
        using (Repo.NodeProcess node = Repo.StartNode(browser, ["fire-weather-check.mjs", api.BaseAddress!.ToString(), "mfs-wx-01", "2026-10-01T00:00:00+08:00", "2026-11-02T00:00:00+08:00", screenshot, "60000"]))
        {
            JsonElement page = await node.NextAsync("fire", TimeSpan.FromSeconds(120));
            Assert.Equal("火险天气（FWI，每日正午观测）", page.GetProperty("heading").GetString());
            string seasonLine = page.GetProperty("season").GetString()!;
            Assert.Contains("每年 11-01 至次年 05-31", seasonLine, StringComparison.Ordinal);
            Assert.Contains("DC 越冬调整（a=0.75，b=0.75）", seasonLine, StringComparison.Ordinal);
            Assert.Contains("2026-11-01 – 2027-05-31", seasonLine, StringComparison.Ordinal);
            JsonElement[] rows = page.GetProperty("rows").EnumerateArray().ToArray();
            Assert.Equal(["2026-11-01", "2026-10-31"], rows.Select(r => r.GetProperty("date").GetString())); // newest first
            Assert.Equal(["true", "false"], rows.Select(r => r.GetProperty("inSeason").GetString()));
            Assert.Equal("防火期外（不计算）", rows[1].GetProperty("cells")[1].GetString());
            Assert.Equal("—", rows[1].GetProperty("cells")[2].GetString()); // no FWI out of season
            Assert.Equal("防火期内 · 重新起算, DC 79", rows[0].GetProperty("cells")[1].GetString());
            Assert.Equal("82.3", rows[0].GetProperty("cells")[5].GetString());
            Assert.Equal(d[3].GetProperty("fwi").GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture), rows[0].GetProperty("cells")[2].GetString());

            JsonElement narrow = await node.NextAsync("narrow", TimeSpan.FromSeconds(60));
            Assert.True(narrow.GetProperty("scrollWidth").GetInt32() <= 400, narrow.ToString()); // nothing sticks out at 400 px
            Assert.Equal(2, narrow.GetProperty("rows").GetArrayLength());
            Assert.Empty((await node.NextAsync("done", TimeSpan.FromSeconds(30))).GetProperty("errors").EnumerateArray());
        }

        // Not a weather or fire station: 400 naming the parameter.
        using HttpResponseMessage gauge = await api.GetAsync(new Uri("/api/v1/stations/zt-wl-01/fire-weather", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.BadRequest, gauge.StatusCode);
        Assert.Equal("id", JsonDocument.Parse(await gauge.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("parameter").GetString());
    }

    /// <summary>A count from the kept-for-ever policy, where fire_weather is written (docs/retention.md).</summary>
    private static async Task<long> CountAsync(GardenCityRun run, string q)
    {
        using var http = new HttpClient();
        string json = await http.GetStringAsync(new Uri($"{run.Settings["GardenCity:Influx:Url"]}/query?db={run.Database}&rp=forever&q={Uri.EscapeDataString(q)}"));
        JsonElement results = JsonDocument.Parse(json).RootElement.GetProperty("results")[0];
        return results.TryGetProperty("series", out JsonElement s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
    }
}
