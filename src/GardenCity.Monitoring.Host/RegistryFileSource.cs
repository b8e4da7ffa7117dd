using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// Loads the station registry file for everything at start that needs it (the registry's validator, the quality policy's
/// validator, the <see cref="StationRegistry"/> singleton), parsing it once as long as the file is unchanged.
/// </summary>
/// <remarks>
/// Before, each of them loaded the file itself and option validation ran more than once, so a start parsed the file
/// up to four times: seconds each for a 100,000-station registry (39 MB of YAML; bench/README.md, "Registry scale").
/// A file whose size or last-write time changed is loaded again, so a fixed file is seen; errors are never cached.
/// </remarks>
internal sealed class RegistryFileSource
{
    private readonly Lock _gate = new();
    private Loaded? _last;
    private int _parses;

    /// <summary>How many times a file was actually read and parsed (for tests).</summary>
    public int Parses => Volatile.Read(ref _parses);

    /// <summary>The registry in <paramref name="path"/>; throws <see cref="RegistryException"/> like <see cref="StationRegistryLoader.LoadFile"/>.</summary>
    public StationRegistry Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        (long Length, DateTime WrittenUtc)? stamp = Stamp(path);
        lock (_gate)
        {
            if (_last is { } last && last.Path == path && stamp is { } s && last.Length == s.Length && last.WrittenUtc == s.WrittenUtc)
            {
                return last.Registry;
            }

            Interlocked.Increment(ref _parses);
            StationRegistry registry = StationRegistryLoader.LoadFile(path);
            _last = stamp is { } t ? new Loaded(path, t.Length, t.WrittenUtc, registry) : null;
            return registry;
        }
    }

    private static (long Length, DateTime WrittenUtc)? Stamp(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? (info.Length, info.LastWriteTimeUtc) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null; // LoadFile reports the problem with the file's name
        }
    }

    private sealed record Loaded(string Path, long Length, DateTime WrittenUtc, StationRegistry Registry);
}
