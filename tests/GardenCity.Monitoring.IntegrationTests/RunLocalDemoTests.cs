using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 14, the demo path as the README gives it, through <c>deploy/run-local.sh</c> itself (its own InfluxDB, the
/// embedded broker, gardencity, the simulator) in one state folder: a calm run (<c>GC_SCENARIO=normal</c>, stopped by
/// itself with <c>GC_EXIT_WHEN_DONE=1</c>), then the July 2023 storm replay (<c>GC_SCENARIO=rainstorm-23-7</c>, as fast
/// as possible), then the alerts in force on the dashboard link it prints, in headless Chromium. <c>GC_BUILD=0</c>: the
/// test runs what the test run built (Release).
/// </summary>
public sealed partial class RunLocalDemoTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("gc-demo-").FullName;
    private Process? _storm;

    public void Dispose()
    {
        if (_storm is not null)
        {
            if (!_storm.HasExited)
            {
                _storm.Kill(entireProcessTree: true);
            }

            _storm.Dispose();
        }

        ServerProcess.DeleteDirectory(_state);
    }

    private string[] Variables(params string[] extra) =>
    [
        .. extra, "GC_BUILD=0", $"GC_STATE_DIR={_state}",
        $"GC_INFLUX_PORT={ServerProcess.FreePort()}", $"GC_INFLUX_RPC_PORT={ServerProcess.FreePort()}", $"GC_MQTT_PORT={ServerProcess.FreePort()}",
        $"GC_HEALTH_PORT={ServerProcess.FreePort()}", $"GC_API_PORT={ServerProcess.FreePort()}",
    ];

    [Fact]
    public async Task CalmRun_ThenTheStorm_RaisesAlerts_ShownOnTheDashboard()
    {
        Assert.SkipWhen(Repo.Configuration != "Release", "run-local.sh runs the Release build");
        CancellationToken ct = TestContext.Current.CancellationToken;

        // 1. The calm day (the first README command), one hour of it at once, stopping by itself.
        var (code, stdout, stderr) = await Repo.RunAsync("env", [.. Variables("GC_SCENARIO=normal", "GC_DURATION=01:00:00", "GC_SPEED=0", "GC_EXIT_WHEN_DONE=1"),
            "bash", Path.Combine(Repo.Root, "deploy", "run-local.sh")], timeout: TimeSpan.FromMinutes(4));
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("stopping (GC_EXIT_WHEN_DONE=1)", stdout, StringComparison.Ordinal);
        DateTimeOffset calmWatermark = Watermark("normal");
        Assert.True(calmWatermark > DateTimeOffset.UtcNow.AddDays(-1), $"the calm run's watermark {calmWatermark:o} is not today's");

        // 2. The storm (the second README command), replayed as fast as possible; it keeps running, as a user's does.
        string report = Path.Combine(_state, "simulator-report.json");
        File.Delete(report); // the calm run's
        int api = ServerProcess.FreePort();
        var output = new StringBuilder();
        // As from a terminal: Ctrl-C (SIGINT) reaches the script. A test runner started in the background (as CI may
        // start it) passes SIGINT on ignored, and bash cannot trap a signal ignored when it starts; perl (Debian's
        // perl-base, always there) puts the default action back before it runs setsid and the script.
        var info = new ProcessStartInfo("perl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Repo.Root };
        foreach (string a in (string[])["-e", "$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\"", "setsid", "env", .. Variables("GC_SCENARIO=rainstorm-23-7", "GC_SPEED=0"), $"GC_API_PORT={api}", "bash", Path.Combine(Repo.Root, "deploy", "run-local.sh")])
        {
            info.ArgumentList.Add(a);
        }

        _storm = Process.Start(info)!;
        _storm.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _storm.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _storm.BeginOutputReadLine();
        _storm.BeginErrorReadLine();
        string Output() { lock (output) { return output.ToString(); } }

        // The simulator writes its report when it has published the whole 72 hours.
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(File.Exists(report) || _storm.HasExited), TimeSpan.FromMinutes(6), () => "the storm replay did not finish:\n" + Output(), ct);
        Assert.False(_storm.HasExited, Output());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") };
        JsonElement active = default;
        await InfluxServer.WaitUntilAsync(async () =>
        {
            active = await http.GetFromJsonAsync<JsonElement>("/api/v1/alerts/active", ct);
            return active.EnumerateArray().Any(a => a.GetProperty("rule_id").GetString() is "flood-level" or "rainstorm-cma");
        }, TimeSpan.FromSeconds(60), () => "no flood or rainstorm alert in force after the storm:\n" + Output(), ct);

        // Its own state, judged by its own time: the storm's watermark is in 2023, the calm run's is where it was, and
        // the history holds the storm's raises.
        DateTimeOffset stormWatermark = Watermark("rainstorm-23-7");
        Assert.Equal(2023, stormWatermark.Year);
        Assert.Equal(calmWatermark, Watermark("normal"));
        string period = "from=2023-07-29T20:00:00%2B08:00&to=2023-08-01T20:00:00%2B08:00";
        JsonElement raised = default;
        await InfluxServer.WaitUntilAsync(async () =>
        {
            raised = await http.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/history?{period}&transition=raised&audience=emergency&limit=10000", ct);
            return raised.GetArrayLength() > 0;
        }, TimeSpan.FromSeconds(30), () => "no raise in the history", ct);
        string[] rules = [.. raised.EnumerateArray().Select(r => r.GetProperty("rule").GetString()!).Distinct()];
        Assert.Contains("flood-level", rules);
        Assert.Contains("rainstorm-cma", rules);
        JsonElement late = await http.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/history?{period}&transition=late&limit=10000", ct);
        Assert.True(late.GetArrayLength() < raised.GetArrayLength(), $"{late.GetArrayLength()} late against {raised.GetArrayLength()} raised: the storm was judged late");
        Assert.DoesNotContain("Warning:", Output(), StringComparison.Ordinal);

        // 3. The dashboard link run-local printed: the alerts in force, the map coloured by them, the storm's period.
        Match link = DashboardLink().Match(Output());
        Assert.True(link.Success, Output());
        string shots = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(shots);
        string screenshot = Path.Combine(shots, "demo-storm.png");
        // The replay's tail is still being judged when the simulator is done (a fast rise ends a moment later): wait
        // until the alerts in force hold still, then compare the page with the reads on either side of it.
        async Task<string[]> InForceAsync() =>
            [.. (await http.GetFromJsonAsync<JsonElement>("/api/v1/alerts/active", ct)).EnumerateArray().Select(a => a.GetProperty("alert_id").GetString()!).Order(StringComparer.Ordinal)];
        string[] before = await InForceAsync();
        await InfluxServer.WaitUntilAsync(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            string[] now = await InForceAsync();
            (bool still, before) = (now.SequenceEqual(before), now);
            return still;
        }, TimeSpan.FromSeconds(60), () => "the alerts in force did not settle after the replay", ct);
        using Repo.NodeProcess node = Repo.StartNode(Path.Combine(Repo.Root, "tests", "GardenCity.Monitoring.IntegrationTests", "browser"), ["demo-check.mjs", link.Value, screenshot, "60000"]);
        JsonElement ready = await node.NextAsync("ready", TimeSpan.FromSeconds(90));
        string[] after = await InForceAsync();
        string[] shown = [.. ready.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("id").GetString()!)];
        Assert.All(shown, id => Assert.True(before.Contains(id) || after.Contains(id), $"{id} shown but in force in neither read"));
        Assert.All(before.Intersect(after), id => Assert.Contains(id, shown));
        Assert.NotEmpty(before.Intersect(after));
        Assert.Contains(shown, id => id.StartsWith("flood-level.", StringComparison.Ordinal));
        string[] alertColours = ["#1f6fd1", "#e6b800", "#f07c00", "#d11f1f"];
        active = await http.GetFromJsonAsync<JsonElement>("/api/v1/alerts/active", ct);
        string[] steady = [.. before.Intersect(after)];
        // Stations only: an alert about a hazard unit (a debris-flow gully) is in force too, and the unit is drawn on
        // the geohazard panel, not as a station marker.
        HashSet<string> stations = [.. (await http.GetFromJsonAsync<JsonElement>("/api/v1/stations", ct)).EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];
        foreach (string station in active.EnumerateArray().Where(a => a.GetProperty("audience").GetString() == "emergency" && steady.Contains(a.GetProperty("alert_id").GetString())).Select(a => a.GetProperty("station_id").GetString()!).Where(stations.Contains).Distinct())
        {
            string? fill = ready.GetProperty("markers").EnumerateArray().Single(m => m.GetProperty("station").GetString() == station).GetProperty("fill").GetString();
            Assert.Contains(fill, alertColours);
        }

        Assert.Contains("回放", ready.GetProperty("clock").GetString(), StringComparison.Ordinal);
        Assert.Equal("2023-07-29T20:00", ready.GetProperty("from").GetString());
        Assert.Equal("2023-08-01T20:00", ready.GetProperty("to").GetString());

        // Clicking an alert opens its page with the link the duty room gets, and its timeline from the history.
        JsonElement alert = await node.NextAsync("alert", TimeSpan.FromSeconds(60));
        Assert.Equal(alert.GetProperty("id").GetString(), System.Web.HttpUtility.ParseQueryString(new Uri(alert.GetProperty("address").GetString()!).Query)["alert"]);
        Assert.StartsWith("2023/", alert.GetProperty("raised").GetString(), StringComparison.Ordinal);
        Assert.Contains("raised", alert.GetProperty("timeline").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty((await node.NextAsync("done", TimeSpan.FromSeconds(30))).GetProperty("errors").EnumerateArray());
        TestContext.Current.AddAttachment("dashboard after the storm replay", screenshot);

        // Ctrl-C, as the README says: the script stops what it started.
        await Repo.RunAsync("kill", ["-INT", "--", "-" + _storm.Id.ToString(CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(10));
        using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _storm.WaitForExitAsync(stopped.Token);
        Assert.Contains("Stopped.", Output(), StringComparison.Ordinal);
    }

    private DateTimeOffset Watermark(string scenario)
    {
        using JsonDocument state = JsonDocument.Parse(File.ReadAllText(Path.Combine(_state, "alerting", scenario, "state.json")));
        return state.RootElement.GetProperty("Watermark").GetDateTimeOffset();
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/\?from=\S+")]
    private static partial Regex DashboardLink();
}
