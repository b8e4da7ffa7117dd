namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>A private mosquitto 2.0 on a free loopback port, with persistence in a temporary folder.</summary>
public sealed class MosquittoServer : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-mosquitto-").FullName;
    private readonly string _binary = ServerProcess.Find("mosquitto", "/usr/sbin/mosquitto", "/usr/bin/mosquitto");
    private ServerProcess? _process;

    public int Port { get; } = ServerProcess.FreePort();

    public string DataDirectory => _dir;

    public string Output => _process?.Output ?? string.Empty;

    /// <summary>Starts (or restarts, keeping the persistence file) with an open test configuration, or with <paramref name="configText"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken, string? configText = null)
    {
        string config = Path.Combine(_dir, "mosquitto.conf");
        await File.WriteAllTextAsync(config, configText ?? $"""
            listener {Port} 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location {_dir}/
            max_queued_messages 0
            max_inflight_messages 0
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            """ + RunAsRoot, cancellationToken);
        _process = ServerProcess.Start(_binary, "-c", config);
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(CanConnect()), TimeSpan.FromSeconds(30), () => "mosquitto did not listen:\n" + _process.Output, cancellationToken);
    }

    /// <summary>Mosquitto started as root drops to the user "mosquitto", which cannot write a private temporary folder.</summary>
    public static string RunAsRoot => Environment.UserName == "root" ? "\nuser root\n" : "\n";

    /// <summary>A clean stop (SIGTERM): Mosquitto writes its persistence file, as on a service restart.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.TerminateAsync();
            _process.Dispose();
            _process = null;
        }
    }

    /// <summary>SIGKILL: a broker crash. Only what autosave already wrote to the data folder survives.</summary>
    public void Kill()
    {
        if (_process is not null)
        {
            _process.Kill();
            _process.Dispose();
            _process = null;
        }
    }

    public ValueTask DisposeAsync()
    {
        _process?.Dispose();
        ServerProcess.DeleteDirectory(_dir);
        return ValueTask.CompletedTask;
    }

    private bool CanConnect()
    {
        if (_process is { HasExited: true })
        {
            throw new InvalidOperationException("mosquitto exited:\n" + _process.Output);
        }

        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(System.Net.IPAddress.Loopback, Port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
