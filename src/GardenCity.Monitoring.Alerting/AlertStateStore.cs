using System.Text.Json;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;

namespace GardenCity.Monitoring.Alerting;

/// <summary>What the alerting worker persists between runs; <see cref="Cap"/> null means "unchanged since the last save".</summary>
public sealed record AlertingState(EngineSnapshot Engine, IReadOnlyList<CapEntry>? Cap);

/// <summary>
/// Persists <see cref="AlertingState"/> as <c>state.json</c> in the state folder, atomically (temporary file, flush to
/// disk, rename), so that a crash leaves either the old or the new state, never half of one.
/// </summary>
public sealed class AlertStateStore(string directory)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General) { WriteIndented = false };

    /// <summary>The engine state file.</summary>
    public string Path { get; } = System.IO.Path.Combine(directory, "state.json");

    /// <summary>The CAP messages file (written only when the feed changed).</summary>
    public string CapPath { get; } = System.IO.Path.Combine(directory, "cap.json");

    /// <summary>Loads the state; null when there is none. A corrupt file throws <see cref="JsonException"/>.</summary>
    public AlertingState? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        EngineSnapshot? engine;
        using (FileStream stream = File.OpenRead(Path))
        {
            engine = JsonSerializer.Deserialize<EngineSnapshot>(stream, Json);
        }

        List<CapEntry>? cap = null;
        if (File.Exists(CapPath))
        {
            using FileStream stream = File.OpenRead(CapPath);
            cap = JsonSerializer.Deserialize<List<CapEntry>>(stream, Json);
        }

        return engine is null ? null : new AlertingState(engine, cap ?? []);
    }

    /// <summary>Saves the state durably.</summary>
    public void Save(AlertingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Directory.CreateDirectory(directory);
        if (state.Cap is not null)
        {
            Write(CapPath, state.Cap);
        }

        Write(Path, state.Engine);
    }

    private static void Write<T>(string path, T value) => StateFile.Write(path, value, Json);
}
