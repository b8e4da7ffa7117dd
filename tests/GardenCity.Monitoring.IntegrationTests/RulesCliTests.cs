using System.Globalization;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary><c>gardencity rules check</c> and <c>gardencity rules backtest</c> through the real entry point.</summary>
public sealed class RulesCliTests(ServersFixture servers)
{
    private static Task<(int ExitCode, string Stdout, string Stderr)> GardenCity(params string[] args) =>
        Repo.RunAsync("dotnet", [Repo.GardenCityDll, .. args], workingDirectory: Repo.Root);

    [Fact]
    public async Task Check_ShippedRules_ListsThemAndExitsZero()
    {
        var (code, stdout, stderr) = await GardenCity("rules", "check");

        Assert.True(code == 0, stderr);
        Assert.Contains("deploy/rules: OK, 19 rules in 7 files", stdout, StringComparison.Ordinal);
        Assert.Contains("rainstorm-c", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_BrokenRule_ExitsTwoNamingFileLineAndField()
    {
        string dir = Directory.CreateTempSubdirectory("gc-rules-").FullName;
        string text = (await File.ReadAllTextAsync(Path.Combine(Repo.Root, "deploy", "rules", "rainstorm.yaml"), TestContext.Current.CancellationToken))
            .Replace("window: 6h", "window: six hours", StringComparison.Ordinal);
        string file = Path.Combine(dir, "rainstorm.yaml");
        await File.WriteAllTextAsync(file, text, TestContext.Current.CancellationToken);
        int line = text.Split('\n').ToList().FindIndex(l => l.Contains("six hours", StringComparison.Ordinal)) + 1;
        try
        {
            var (code, _, stderr) = await GardenCity("rules", "check", "--dir", dir);

            Assert.True(code == 2, stderr);
            Assert.Contains($"{file}:{line}:", stderr, StringComparison.Ordinal);
            Assert.Contains("field 'rules[0](rainstorm-cma).levels[1].when.sum.window': 'six hours' is not a duration", stderr, StringComparison.Ordinal);
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task Run_BrokenRules_ExitsTwoBeforeStarting()
    {
        var (code, _, stderr) = await GardenCity("run", "--roles", "alerting", "--set", "GardenCity:Alerting:RulesDirectory=/nonexistent/rules");

        Assert.True(code == 2, stderr);
        Assert.Contains("/nonexistent/rules", stderr, StringComparison.Ordinal);
    }

    /// <summary>bhs-wx-01: 10 mm every 15 minutes for 2 hours from 2023-07-30 20:00 (the fifth reading makes 50 mm: orange), then dry; in a new database.</summary>
    private async Task<string> WriteRainBurstAsync(CancellationToken ct)
    {
        string database = "b" + Guid.NewGuid().ToString("N")[..12];
        using var http = new HttpClient();
        var query = new InfluxQlClient(http, Options.Create(new InfluxOptions { Url = servers.Influx.Url, Database = database }));
        await query.ExecuteAsync($"CREATE DATABASE {InfluxQl.Identifier(database)}", ct);
        var t0 = new DateTimeOffset(2023, 7, 30, 20, 0, 0, TimeSpan.FromHours(8));
        var lines = new StringBuilder();
        for (int i = 0; i < 80; i++)
        {
            double rain = i < 8 ? 10 : 0;
            long ns = (t0.AddMinutes(15 * i).UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
            lines.Append(CultureInfo.InvariantCulture, $"weather,station=bhs-wx-01,site=baihua-mountain,kind=weather rain_mm={rain},seq={i}i {ns}\n");
        }

        using HttpResponseMessage write = await http.PostAsync(new Uri($"{servers.Influx.Url}/write?db={database}"), new StringContent(lines.ToString()), ct);
        Assert.True(write.IsSuccessStatusCode, await write.Content.ReadAsStringAsync(ct));
        return database;
    }

    [Fact]
    public async Task Backtest_StoredRainBurst_ListsTheAlertsTheRulesWouldHaveRaised()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = await WriteRainBurstAsync(ct);

        var (code, stdout, stderr) = await GardenCity("rules", "backtest", "--from", "2023-07-30T19:00:00+08:00", "--to", "2023-07-31T18:00:00+08:00",
            "--influx-url", servers.Influx.Url, "--database", database);

        Assert.True(code == 0, stdout + stderr);
        string[] rows = stdout.Split('\n').Where(l => l.Contains("bhs-wx-01", StringComparison.Ordinal)).ToArray();
        Assert.Contains(rows, r => r.Contains("2023-07-30 21:00", StringComparison.Ordinal) && r.Contains("raised", StringComparison.Ordinal) && r.Contains("orange", StringComparison.Ordinal));
        // Orange while 3 h hold ≥ 45 mm, then yellow (6 h), blue (12 h), each a cooldown (1 h) after it last held; then resolved.
        Assert.Equal(["raised", "deescalated", "deescalated", "resolved"], rows.Select(r => r.Split('│', StringSplitOptions.TrimEntries)[2]));
        Assert.Contains("1 raised, 1 resolved, 0 still active at the end", stdout, StringComparison.Ordinal);
    }

    /// <summary>Issue 14: the backtest reads the configuration run reads (--set, --config), not a port of its own, and prints JSON for a script.</summary>
    [Fact]
    public async Task Backtest_InfluxFromRunsSettingsAsJson_ListsTheSameChanges()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = await WriteRainBurstAsync(ct);

        var (code, stdout, stderr) = await GardenCity("rules", "backtest", "--from", "2023-07-30T19:00:00+08:00", "--to", "2023-07-31T18:00:00+08:00",
            "--set", $"GardenCity:Influx:Url={servers.Influx.Url}", "--set", $"GardenCity:Influx:Database={database}", "--format", "json");

        Assert.True(code == 0, stdout + stderr);
        JsonElement result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal((1, 1, 0), (result.GetProperty("raised").GetInt32(), result.GetProperty("resolved").GetInt32(), result.GetProperty("active_at_end").GetInt32()));
        JsonElement[] changes = result.GetProperty("changes").EnumerateArray().Where(c => c.GetProperty("station").GetString() == "bhs-wx-01").ToArray();
        Assert.Equal(["raised", "deescalated", "deescalated", "resolved"], changes.Select(c => c.GetProperty("change").GetString()));
        Assert.Equal(("2023-07-30T21:00:00+08:00", "orange", "rainstorm-cma"), (changes[0].GetProperty("time").GetString(), changes[0].GetProperty("severity").GetString(), changes[0].GetProperty("rule").GetString()));
        Assert.Contains("暴雨", changes[0].GetProperty("message_zh").GetString(), StringComparison.Ordinal); // Chinese as is
    }

    [Fact]
    public async Task Backtest_InfluxFromConfigFileAsCsv_OneRowPerChange()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = await WriteRainBurstAsync(ct);
        string config = Path.Combine(Directory.CreateTempSubdirectory("gc-backtest-").FullName, "site.json");
        await File.WriteAllTextAsync(config, $$"""{ "GardenCity": { "Influx": { "Url": "{{servers.Influx.Url}}", "Database": "{{database}}" } } }""", ct);

        var (code, stdout, stderr) = await GardenCity("rules", "backtest", "--from", "2023-07-30T19:00:00+08:00", "--to", "2023-07-31T18:00:00+08:00", "--config", config, "--format", "csv");

        Assert.True(code == 0, stdout + stderr);
        string[] rows = stdout.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,change,severity,rule,station,audience,value,threshold,message_en,message_zh", rows[0]);
        string[] burst = rows.Where(r => r.Contains(",bhs-wx-01,", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["raised", "deescalated", "deescalated", "resolved"], burst.Select(r => r.Split(',')[1]));
        Assert.StartsWith("2023-07-30T21:00:00+08:00,raised,orange,rainstorm-cma,bhs-wx-01,emergency,", burst[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backtest_NoInfluxWhereTheConfigurationSays_ExitsOneNamingTheSetting()
    {
        var (code, _, stderr) = await GardenCity("rules", "backtest", "--from", "2023-07-30T19:00:00+08:00", "--to", "2023-07-30T20:00:00+08:00",
            "--set", $"GardenCity:Influx:Url=http://127.0.0.1:{ServerProcess.FreePort()}");

        Assert.True(code == 1, stderr);
        Assert.Contains("GardenCity:Influx:Url", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2023-07-30T19:00:00", "2023-07-31T06:00:00+08:00", "--from")]
    [InlineData("2023-07-31T06:00:00+08:00", "2023-07-30T19:00:00+08:00", "--to must be after --from")]
    [InlineData("'; DROP DATABASE x; --", "2023-07-31T06:00:00+08:00", "--from")]
    public async Task Backtest_BadPeriod_ExitsTwoSayingWhy(string from, string to, string message)
    {
        var (code, _, stderr) = await GardenCity("rules", "backtest", "--from", from, "--to", to, "--influx-url", servers.Influx.Url);

        Assert.True(code == 2, stderr);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
