using System.Diagnostics;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>Paths in the repository, and running its programs through their real entry points.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>Build configuration of this test run (Debug or Release), taken from the output path.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string GardenCityDll => Path.Combine(Root, "src", "GardenCity.Monitoring.Host", "bin", Configuration, "net10.0", "gardencity.dll");

    public static string SimulatorDll => Path.Combine(Root, "device-simulator", "bin", Configuration, "net10.0", "gardencity-sim.dll");

    /// <summary>Runs a command to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string fileName, IEnumerable<string> arguments, string? stdin = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        using Process process = Start(fileName, arguments, workingDirectory);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    public static Process Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Root,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
    }

    /// <summary>Starts <c>node</c> in <paramref name="directory"/>; its stdout is read as JSON lines with an <c>event</c> field.</summary>
    public static NodeProcess StartNode(string directory, IEnumerable<string> arguments) => new(Start("node", arguments, directory));

    /// <summary>A node script reporting JSON lines; <see cref="NextAsync"/> waits for the next line of an event.</summary>
    public sealed class NodeProcess : IDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _stderr = new();

        public NodeProcess(Process process)
        {
            _process = process;
            _process.ErrorDataReceived += (_, e) =>
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            };
            _process.BeginErrorReadLine();
        }

        public async Task<System.Text.Json.JsonElement> NextAsync(string eventName, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                string? line;
                try
                {
                    line = await _process.StandardOutput.ReadLineAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"node did not report '{eventName}' within {timeout}:\n{Errors}");
                }

                if (line is null)
                {
                    throw new InvalidOperationException($"node ended before '{eventName}':\n{Errors}");
                }

                if (line.StartsWith('{'))
                {
                    System.Text.Json.JsonElement e = System.Text.Json.JsonDocument.Parse(line).RootElement.Clone();
                    if (e.GetProperty("event").GetString() == eventName)
                    {
                        return e;
                    }
                }
            }
        }

        private string Errors
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GardenCity.Monitoring.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("GardenCity.Monitoring.sln not found above " + AppContext.BaseDirectory);
    }
}
