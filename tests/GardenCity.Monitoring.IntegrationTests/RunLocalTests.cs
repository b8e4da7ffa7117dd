using System.Net;
using System.Net.Sockets;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 14, the demo: <c>deploy/run-local.sh</c> as the README gives it, with <c>GC_PLAN=1</c> (what it would run,
/// nothing started) and its own state folder: each scenario its own alerting state, fresh by default, a warning when a
/// kept state is ahead of the replay, the whole scenario replayed, the dashboard on the replayed period, and a
/// port-busy message naming the port and its variable.
/// </summary>
public sealed class RunLocalTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("gc-run-local-").FullName;

    public void Dispose() => ServerProcess.DeleteDirectory(_state);

    private Task<(int ExitCode, string Stdout, string Stderr)> PlanAsync(params string[] variables) =>
        Repo.RunAsync("env", [.. variables, "GC_PLAN=1", $"GC_STATE_DIR={_state}",
            $"GC_INFLUX_PORT={ServerProcess.FreePort()}", $"GC_INFLUX_RPC_PORT={ServerProcess.FreePort()}", $"GC_MQTT_PORT={ServerProcess.FreePort()}",
            $"GC_HEALTH_PORT={ServerProcess.FreePort()}", "bash", Path.Combine(Repo.Root, "deploy", "run-local.sh")], timeout: TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Storm_ReplaysAll72Hours_InItsOwnFreshState_AndOpensTheDashboardOnThePeriod()
    {
        var (code, stdout, stderr) = await PlanAsync("GC_SCENARIO=rainstorm-23-7", "GC_SPEED=600", "GC_API_PORT=18123");

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("period 2023-07-29T20:00:00+08:00 .. 2023-08-01T20:00:00+08:00 (72 h)", stdout, StringComparison.Ordinal);
        Assert.Contains($"alerting state: {Path.Combine(_state, "alerting", "rainstorm-23-7")} (fresh)", stdout, StringComparison.Ordinal);
        Assert.Contains("dashboard: http://127.0.0.1:18123/?from=2023-07-29T20:00:00%2B08:00&to=2023-08-01T20:00:00%2B08:00", stdout, StringComparison.Ordinal);
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task KeptStateAheadOfTheReplay_IsWarnedAbout()
    {
        string dir = Directory.CreateDirectory(Path.Combine(_state, "alerting", "rainstorm-23-7")).FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "state.json"), """{"Watermark":"2026-12-01T10:00:00+00:00","Alerts":[]}""", TestContext.Current.CancellationToken);

        var (code, stdout, stderr) = await PlanAsync("GC_SCENARIO=rainstorm-23-7", "GC_FRESH=0", $"GC_API_PORT={ServerProcess.FreePort()}");

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("(kept)", stdout, StringComparison.Ordinal);
        Assert.Contains("has its watermark at 2026-12-01T18:00:00+08:00, after this replay starts (2023-07-29T20:00:00+08:00)", stderr, StringComparison.Ordinal);
        Assert.Contains("GC_FRESH=1", stderr, StringComparison.Ordinal);

        // Another scenario's state is not this one's: the leopard replay is not warned about the storm's state.
        var (_, _, leopard) = await PlanAsync("GC_SCENARIO=leopard", "GC_FRESH=0", $"GC_API_PORT={ServerProcess.FreePort()}");
        Assert.Empty(leopard);
    }

    [Fact]
    public async Task BusyPort_NamesThePortAndItsVariable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var (code, _, stderr) = await PlanAsync($"GC_API_PORT={port}");

        Assert.Equal(1, code);
        Assert.Contains($"Port {port} (GC_API_PORT) is in use; set GC_API_PORT to a free port", stderr, StringComparison.Ordinal);
    }
}
