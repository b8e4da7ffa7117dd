using System.Diagnostics;

namespace GardenCity.Monitoring.Storage.Tests.Spool;

/// <summary>A small real tmpfs (needs root), so that "No space left on device" happens for real; unmounted on dispose.</summary>
internal sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (e.g. <c>256k</c>) on a new temporary folder, or skips the test saying why it cannot.</summary>
    public static Tmpfs Mount(string size)
    {
        string path = Directory.CreateTempSubdirectory("gc-tmpfs-").FullName;
        (int code, string error) = Run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            Assert.Skip($"needs a real full file system: 'mount -t tmpfs' was refused (exit {code}: {error.Trim()}); run the tests as root");
        }

        return new Tmpfs(path);
    }

    public void Dispose()
    {
        if (Run("umount", Path).Code != 0)
        {
            Run("umount", "-l", Path); // a file still open after a failed test
        }

        Directory.Delete(Path, recursive: true);
    }

    private static (int Code, string Error) Run(string file, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
