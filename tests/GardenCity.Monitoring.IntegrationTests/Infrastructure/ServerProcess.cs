using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>A real server process (influxd, mosquitto) started by a fixture, with its output kept for failure messages.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process)
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

    public static ServerProcess Start(string fileName, params string[] arguments) => Start(fileName, arguments, workingDirectory: null);

    public static ServerProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {fileName}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>SIGKILL: what a crash looks like.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM, then waits for the process to exit (a clean shutdown).</summary>
    public async Task TerminateAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
    }

    public int ProcessId => _process.Id;

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>Deletes a test's temporary folder; a file still held by a dying process is left to the OS temp cleaner.</summary>
    public static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// A TCP port on 127.0.0.1 that was free a moment ago and that this test run has not handed out before (the kernel
    /// may give the same ephemeral port to two bind(0) calls in a row once the first is closed).
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    /// <summary>The first of <paramref name="candidates"/> that exists, or a clear failure naming the package to install.</summary>
    public static string Find(string package, params string[] candidates) =>
        candidates.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{candidates[0]} is missing: install Debian's '{package}' package (the README's test command does).");

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
