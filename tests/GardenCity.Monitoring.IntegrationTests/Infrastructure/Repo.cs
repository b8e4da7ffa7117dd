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
