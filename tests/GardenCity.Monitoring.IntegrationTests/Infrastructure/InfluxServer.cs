using System.Globalization;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>A private influxd 1.x on free loopback ports with its data in a temporary folder.</summary>
public sealed class InfluxServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-influx-").FullName;
    private readonly string _binary = ServerProcess.Find("influxdb", "/usr/bin/influxd");
    private readonly int _httpPort = ServerProcess.FreePort();
    private readonly int _rpcPort = ServerProcess.FreePort();
    private ServerProcess? _process;

    public string Url => $"http://127.0.0.1:{_httpPort}";

    /// <summary>The meta/RPC address (<c>bind-address</c>) that <c>influxd backup</c> and <c>influxd restore</c> talk to.</summary>
    public string RpcAddress => $"127.0.0.1:{_rpcPort}";

    /// <summary>Start with <c>auth-enabled = true</c> in <c>[http]</c>: every request then needs a user (<see cref="CreateAdminAsync"/> first).</summary>
    public bool AuthEnabled { get; init; }

    /// <summary>Creates an admin user: on a server with authentication and no user yet, the one statement it takes unauthenticated.</summary>
    public async Task CreateAdminAsync(string user, string password, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["q"] = $"CREATE USER \"{user}\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES" });
        using HttpResponseMessage response = await Http.PostAsync(Url + "/query", content, cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode || body.Contains("\"error\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"influxd refused CREATE USER: {(int)response.StatusCode} {body}");
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string config = Path.Combine(_dir, "influxdb.conf");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
            reporting-disabled = true
            bind-address = "127.0.0.1:{_rpcPort}"
            [meta]
              dir = "{_dir}/meta"
            [data]
              dir = "{_dir}/data"
              wal-dir = "{_dir}/wal"
              query-log-enabled = false
            [http]
              bind-address = "127.0.0.1:{_httpPort}"
              log-enabled = false
              auth-enabled = {(AuthEnabled ? "true" : "false")}
            [monitor]
              store-enabled = false
            [continuous_queries]
              enabled = false
            [logging]
              level = "warn"
            """), cancellationToken);
        _process = ServerProcess.Start(_binary, "run", "-config", config);
        await WaitUntilAsync(async () => await PingAsync(cancellationToken), TimeSpan.FromSeconds(60), () => "influxd did not answer /ping:\n" + _process.Output, cancellationToken);
    }

    /// <summary>Kills the server (SIGKILL); its data folder stays for a restart.</summary>
    public void Kill() => _process?.Kill();

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage response = await Http.GetAsync(Url + "/ping", cancellationToken);
            return response.StatusCode == System.Net.HttpStatusCode.NoContent;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _process?.Dispose();
        ServerProcess.DeleteDirectory(_dir);
        return ValueTask.CompletedTask;
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure());
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
