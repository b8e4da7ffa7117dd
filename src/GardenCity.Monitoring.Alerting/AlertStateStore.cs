using System.Text.Json;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;

namespace GardenCity.Monitoring.Alerting;

/// <summary>What the alerting worker persists between runs.</summary>
public sealed record AlertingState(EngineSnapshot Engine, IReadOnlyList<CapEntry> Cap);

/// <summary>
/// Persists <see cref="AlertingState"/> as <c>state.json</c> in the state folder, atomically (temporary file, flush to
/// disk, rename), so that a crash leaves either the old or the new state, never half of one.
/// </summary>
public sealed class AlertStateStore(string directory)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General) { WriteIndented = false };

    /// <summary>The state file.</summary>
    public string Path { get; } = System.IO.Path.Combine(directory, "state.json");

    /// <summary>Loads the state; null when there is none. A corrupt file throws <see cref="JsonException"/>.</summary>
    public AlertingState? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        using FileStream stream = File.OpenRead(Path);
        return JsonSerializer.Deserialize<AlertingState>(stream, Json);
    }

    /// <summary>Saves the state durably.</summary>
    public void Save(AlertingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Directory.CreateDirectory(directory);
        string temporary = Path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, state, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }
}
