using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary><c>gardencity run</c> as a real child process, which a test can SIGKILL and start again.</summary>
internal sealed class GardenCityProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GardenCityProcess(Process process)
    {
        _process = process;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>gardencity run --set ...</c> and waits until the worker has subscribed.</summary>
    public static async Task<GardenCityProcess> StartAsync(IDictionary<string, string> settings, string ready = "Connected to MQTT broker")
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Repo.Root };
        info.ArgumentList.Add(Repo.GardenCityDll);
        info.ArgumentList.Add("run");
        info.ArgumentList.Add("--set");
        info.ArgumentList.Add($"GardenCity:Health:Url=http://127.0.0.1:{ServerProcess.FreePort()}");
        foreach ((string key, string value) in settings)
        {
            info.ArgumentList.Add("--set");
            info.ArgumentList.Add($"{key}={value}");
        }

        var process = new Process { StartInfo = info };
        var result = new GardenCityProcess(process);
        process.OutputDataReceived += (_, e) => result.Append(e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(result.Output.Contains(ready, StringComparison.Ordinal) || process.HasExited),
            TimeSpan.FromSeconds(60), () => "gardencity run did not connect:\n" + result.Output, CancellationToken.None);
        Assert.False(process.HasExited, "gardencity run exited:\n" + result.Output);
        return result;
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash.</summary>
    public void Kill()
    {
        using Process kill = Process.Start("kill", ["-KILL", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
