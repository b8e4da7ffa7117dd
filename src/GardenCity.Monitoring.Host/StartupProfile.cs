using System.Runtime;
using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// The runtime's startup profile (multi-core JIT, <see cref="ProfileOptimization"/>) for <c>gardencity run</c>: each run
/// records which methods it compiled; the next start of the same roles compiles those methods on a background thread
/// while the host starts, instead of on the thread that needs each one at its first call. A worker that restarts with
/// a backlog waiting (after a power or link outage) then meets the backlog with its reading path compiled
/// (bench/README.md, "Startup profile").
/// <list type="bullet">
/// <item>The profile replayed is <c>gardencity-run-ROLES.jitprofile</c> in <c>GardenCity:StartupProfileDirectory</c>.
/// The run records into <c>….recording.jitprofile</c> (a copy of it, which is what the runtime replays), written when
/// the run stops cleanly (<see cref="Finish"/>).</item>
/// <item>The recording replaces the profile unless it is clearly poorer: a run that compiled under 90 % of what the
/// profile holds (a start and stop with no readings in between) keeps the richer one, unless that one was recorded by
/// another build (its <c>.build</c> file, the identities of our assemblies, differs: the runtime skips every assembly
/// whose identity changed, so such a profile is worth little).</item>
/// <item>Only one process records per file (a lock file): a second <c>gardencity run</c> with the same roles and folder
/// runs without one and says so.</item>
/// </list>
/// Turning it off (an empty value) changes nothing but the speed of the first seconds.
/// </summary>
internal sealed partial class StartupProfile
{
    /// <summary>The configuration key, for messages.</summary>
    public const string Key = HostingOptions.SectionName + ":" + nameof(HostingOptions.StartupProfileDirectory);

    /// <summary>A recording under this share of the profile it replayed does not replace it.</summary>
    private const double PoorerThan = 0.9;

    private static int _started;

    private readonly FileStream _lock; // held for the life of the process
    private readonly string _profile;
    private readonly string _recording;

    private StartupProfile(FileStream fileLock, string profile, string recording)
    {
        _lock = fileLock;
        _profile = profile;
        _recording = recording;
    }

    /// <summary>The profile's file name for a set of roles: one profile per role set, since each compiles other code.</summary>
    public static string FileName(IEnumerable<string> roles) =>
        "gardencity-run-" + string.Join('+', roles.Order(StringComparer.Ordinal)) + ".jitprofile";

    /// <summary>
    /// Starts recording (and, when an earlier run left a profile, replaying) the startup profile of
    /// <paramref name="roles"/> in <paramref name="directory"/>. Never fails the start: a folder that cannot be created
    /// or written is reported on <paramref name="error"/> with the key and what to do. Null when there is no profile
    /// this run, with <paramref name="state"/> saying why.
    /// </summary>
    public static StartupProfile? Start(string? directory, IEnumerable<string> roles, TextWriter error, out string state)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (string.IsNullOrWhiteSpace(directory))
        {
            state = $"Startup profile off ({Key} is empty)";
            return null;
        }

        if (Environment.ProcessorCount < 2)
        {
            state = "Startup profile off (the runtime's multi-core JIT needs two CPUs)";
            return null;
        }

        if (!roles.Any())
        {
            state = "Startup profile off (no known role)"; // GardenCity:Roles fails validation next
            return null;
        }

        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            state = "Startup profile already started in this process";
            return null;
        }

        string name = FileName(roles);
        string folder;
        FileStream fileLock;
        try
        {
            folder = Path.GetFullPath(directory);
            Directory.CreateDirectory(folder);
            fileLock = new FileStream(Path.Combine(folder, name + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (LockedByAnother(Path.Combine(directory, name + ".lock")))
        {
            // Another gardencity run with the same roles records here; two writers would spoil the file.
            state = $"Startup profile off: {Path.Combine(Path.GetFullPath(directory), name)} is in use by another gardencity run";
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            state = Unusable(error, directory, "cannot be used", ex);
            return null;
        }

        string profile = Path.Combine(folder, name);
        string recording = Path.ChangeExtension(profile, ".recording.jitprofile");
        bool replay = File.Exists(profile);
        try
        {
            if (replay)
            {
                File.Copy(profile, recording, overwrite: true); // the runtime replays the file it then records into
            }
            else
            {
                File.Delete(recording); // a recording left by a run that was killed
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            fileLock.Dispose();
            state = Unusable(error, directory, "cannot be written", ex);
            return null;
        }

        ProfileOptimization.SetProfileRoot(folder);
        ProfileOptimization.StartProfile(Path.GetFileName(recording));
        state = replay
            ? $"Startup profile {profile}: compiling what the last run compiled, in the background; recording this run's"
            : $"Startup profile {profile}: none yet, recording this run's for the next start";
        return new StartupProfile(fileLock, profile, recording);
    }

    /// <summary>
    /// After a clean stop: writes this run's recording and keeps it as the profile unless it is clearly poorer (see the
    /// class), and logs what it did: a warning when the folder could not be written.
    /// </summary>
    public void Finish(ILogger log)
    {
        ArgumentNullException.ThrowIfNull(log);
        try
        {
            LogState(log, Save());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogNotSaved(log, $"{Key}: startup profile {_profile} not saved ({ex.Message}); the next start replays the one before, if any. Make the folder writable for this user.");
        }
        finally
        {
            _lock.Dispose();
        }
    }

    /// <summary>Writes the recording and keeps it, or the richer profile of the same build; says which.</summary>
    private string Save()
    {
        DateTime before = TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(-1);
        ProfileOptimization.StartProfile(null); // stops recording and writes the file
        var recorded = new FileInfo(_recording);
        if (!recorded.Exists || recorded.LastWriteTimeUtc < before)
        {
            return $"Startup profile: the runtime wrote no recording; {_profile} stays as it was";
        }

        var kept = new FileInfo(_profile);
        string build = Build();
        string buildFile = _profile + ".build";
        long recordedBytes = recorded.Length;
        if (kept.Exists && recordedBytes < kept.Length * PoorerThan && File.Exists(buildFile) && File.ReadAllText(buildFile) == build)
        {
            recorded.Delete();
            return $"Startup profile {_profile} kept: this run compiled less ({recordedBytes:N0} against {kept.Length:N0} bytes), as a run without readings does";
        }

        File.Move(_recording, _profile, overwrite: true);
        File.WriteAllText(buildFile, build);
        return $"Startup profile {_profile} saved for the next start ({recordedBytes:N0} bytes)";
    }

    /// <summary>Warns about an unusable folder (naming the key and what to do) and returns the state line for the log.</summary>
    private static string Unusable(TextWriter error, string directory, string what, Exception ex)
    {
        error.WriteLine($"Warning: {Key} '{directory}' {what} ({ex.Message}); starting without a startup profile, so the first seconds under load are slower. Set it to a folder this user can write, or to an empty value to turn it off.");
        return $"Startup profile off ({Key} '{directory}' {what})";
    }

    /// <summary>Logs what the profile did at start or stop.</summary>
    [LoggerMessage(LogLevel.Information, "{State}")]
    internal static partial void LogState(ILogger logger, string state);

    [LoggerMessage(LogLevel.Warning, "{Problem}")]
    private static partial void LogNotSaved(ILogger logger, string problem);

    /// <summary>
    /// Whether a lock file that could not be opened for exclusive use is held by another process rather than out of
    /// reach: the folder takes a new file of this process's own. A folder that cannot be written (read-only, no
    /// permission) is a real error instead. (Any open of the lock file itself takes a lock on Linux, so it cannot tell.)
    /// </summary>
    private static bool LockedByAnother(string lockFile)
    {
        string probe = lockFile + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".probe";
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return File.Exists(lockFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The build a profile was recorded by: the identity (MVID) of each of our assemblies, which a new build changes.</summary>
    private static string Build() => string.Join('\n', AppDomain.CurrentDomain.GetAssemblies()
        .Where(a => a.GetName().Name is { } n && (n == "gardencity" || n.StartsWith("GardenCity.Monitoring.", StringComparison.Ordinal)))
        .Select(a => a.GetName().Name + " " + a.ManifestModule.ModuleVersionId.ToString("N"))
        .Order(StringComparer.Ordinal));
}
