namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary><c>gardencity run</c> as a real child process, which a test can SIGKILL and start again.</summary>
internal sealed class GardenCityProcess : IDisposable
{
    private readonly ServerProcess _process;

    private GardenCityProcess(ServerProcess process)
    {
        _process = process;
    }

    public string Output => _process.Output;

    /// <summary>Starts <c>gardencity run --set ...</c> (with <paramref name="environment"/> variables added, if any) and waits for <paramref name="ready"/> in its log.</summary>
    public static async Task<GardenCityProcess> StartAsync(IDictionary<string, string> settings, string ready = "Connected to MQTT broker", bool healthUrl = true, IDictionary<string, string>? environment = null)
    {
        var arguments = new List<string> { Repo.GardenCityDll, "run" };
        if (healthUrl)
        {
            arguments.AddRange(["--set", $"GardenCity:Health:Url=http://127.0.0.1:{ServerProcess.FreePort()}"]);
        }

        foreach ((string key, string value) in settings)
        {
            arguments.Add("--set");
            arguments.Add($"{key}={value}");
        }

        var result = new GardenCityProcess(ServerProcess.Start("dotnet", arguments, Repo.Root, environment));
        try
        {
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(result.Output.Contains(ready, StringComparison.Ordinal) || result._process.HasExited),
                TimeSpan.FromSeconds(60), () => "gardencity run did not start:\n" + result.Output, CancellationToken.None);
            Assert.False(result._process.HasExited, "gardencity run exited:\n" + result.Output);
            return result;
        }
        catch
        {
            result.Dispose(); // a process that never got ready must not outlive the test
            throw;
        }
    }

    /// <summary>SIGTERM and wait for the exit: a service manager's stop.</summary>
    public async Task TerminateAsync()
    {
        await _process.TerminateAsync();
        Assert.True(_process.ExitCode == 0, $"gardencity run exited with {_process.ExitCode} on SIGTERM:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash.</summary>
    public void Kill() => _process.Kill();

    public void Dispose() => _process.Dispose();
}
