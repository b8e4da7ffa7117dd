using System.Text.Json;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// How every state file of the alerting worker is written (the engine state, escalations, silences, inhibition,
/// grouping): atomically — a temporary file beside it, flushed to the disk, then renamed over the old one — so that a
/// crash leaves either the old or the new file, never half of one.
/// </summary>
internal static class StateFile
{
    /// <summary>Writes <paramref name="value"/> as JSON to <paramref name="path"/> atomically.</summary>
    public static void Write<T>(string path, T value, JsonSerializerOptions? options = null)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, value, options);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
