namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>
/// Watches the rules folder and remembers that a file changed; the engine host reloads on its next message or tick
/// (<see cref="TakeRequest"/>), so a reload never races an evaluation. A missing folder is not watched. Thread-safe.
/// </summary>
internal sealed class RuleWatcher : IDisposable
{
    private readonly FileSystemWatcher? _watcher;
    private int _requested;

    public RuleWatcher(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        _watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, EnableRaisingEvents = true };
        FileSystemEventHandler changed = (_, _) => Interlocked.Exchange(ref _requested, 1);
        _watcher.Changed += changed;
        _watcher.Created += changed;
        _watcher.Deleted += changed;
        _watcher.Renamed += (_, _) => Interlocked.Exchange(ref _requested, 1);
    }

    /// <summary>Whether a file changed since the last call.</summary>
    public bool TakeRequest() => Interlocked.Exchange(ref _requested, 0) == 1;

    public void Dispose() => _watcher?.Dispose();
}
