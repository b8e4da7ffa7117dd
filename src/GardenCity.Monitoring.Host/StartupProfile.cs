using System.Runtime;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// The runtime's startup profile (multi-core JIT, <see cref="ProfileOptimization"/>) for <c>gardencity run</c>: each run
/// records which methods it compiled and writes the list to <c>GardenCity:StartupProfileDirectory</c> when it stops;
/// the next start of the same roles compiles those methods on a background thread while the host starts, instead of on
/// the thread that needs each one at its first call. A worker that restarts with a backlog waiting (after a power or
/// link outage) then meets the backlog with its reading path compiled (bench/README.md, "Startup profile").
/// <para>The runtime checks every assembly of a profile by its identity (MVID) and skips what a new build changed, so a
/// profile never replays stale code. Only one process records per file: a second <c>gardencity run</c> with the same
/// roles and folder runs without one (a lock file). Turning it off (an empty value) changes nothing but the speed of
/// the first seconds.</para>
/// </summary>
internal static class StartupProfile
{
    /// <summary>The configuration key, for messages.</summary>
    public const string Key = HostingOptions.SectionName + ":" + nameof(HostingOptions.StartupProfileDirectory);

    private static FileStream? _lock; // held for the life of the process

    /// <summary>The profile's file name for a set of roles: one profile per role set, since each compiles other code.</summary>
    public static string FileName(IEnumerable<string> roles) =>
        "gardencity-run-" + string.Join('+', roles.Order(StringComparer.Ordinal)) + ".jitprofile";

    /// <summary>
    /// Starts recording (and, when a profile of an earlier run is there, replaying) the startup profile of
    /// <paramref name="roles"/> in <paramref name="directory"/>. Never fails the start: a folder that cannot be created
    /// or locked is reported on <paramref name="error"/> with the key and what to do. Returns what happened, for the log.
    /// </summary>
    public static string Start(string? directory, IEnumerable<string> roles, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (string.IsNullOrWhiteSpace(directory))
        {
            return $"Startup profile off ({Key} is empty)";
        }

        if (_lock is not null)
        {
            return "Startup profile already started in this process";
        }

        string name = FileName(roles);
        string folder;
        try
        {
            folder = Path.GetFullPath(directory);
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error.WriteLine($"Warning: {Key} '{directory}' cannot be used ({ex.Message}); starting without a startup profile, so the first seconds under load are slower. Set it to a folder this user can write, or to an empty value to turn it off.");
            return $"Startup profile off ({Key} '{directory}' cannot be used)";
        }

        try
        {
            _lock = new FileStream(Path.Combine(folder, name + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException ex)
        {
            error.WriteLine($"Warning: {Key} '{directory}' cannot be written ({ex.Message}); starting without a startup profile, so the first seconds under load are slower. Set it to a folder this user can write, or to an empty value to turn it off.");
            return $"Startup profile off ({Key} '{directory}' cannot be written)";
        }
        catch (IOException)
        {
            // Another gardencity run with the same roles records into this file; two writers would spoil it.
            return $"Startup profile off: {Path.Combine(folder, name)} is in use by another gardencity run";
        }

        bool replay = File.Exists(Path.Combine(folder, name));
        ProfileOptimization.SetProfileRoot(folder);
        ProfileOptimization.StartProfile(name);
        return replay
            ? $"Startup profile {Path.Combine(folder, name)}: compiling what the last run compiled, in the background; recording this run's"
            : $"Startup profile {Path.Combine(folder, name)}: none yet, recording this run's for the next start";
    }
}
