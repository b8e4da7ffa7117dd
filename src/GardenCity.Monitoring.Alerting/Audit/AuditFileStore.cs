using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;

namespace GardenCity.Monitoring.Alerting.Audit;

/// <summary>
/// The audit trail as append-only JSON lines on the local disk: <c>{StateDirectory}/audit/audit-{yyyy-MM}.jsonl</c>, one
/// file per month (UTC) of the entries' time. Each entry is flushed to the disk before <see cref="Record"/> returns, so
/// it survives a crash and does not depend on InfluxDB being up; nothing is ever rewritten. A torn last line from a
/// crash mid-write is skipped when read. Queries read the months of their period (docs/duty-room.md, "Audit trail",
/// says why a file and not InfluxDB). Thread-safe.
/// </summary>
public sealed class AuditFileStore : IAuditLog
{
    private readonly string _directory;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _checked = [];

    /// <summary>Opens (or creates) the store in <paramref name="directory"/>.</summary>
    public AuditFileStore(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    /// <inheritdoc/>
    public void Record(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        byte[] line = Line(entry);
        lock (_gate)
        {
            string path = PathFor(entry.At);
            bool newLineFirst = _checked.Add(path) && EndsTorn(path); // a crash mid-write left a line without its end
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            if (newLineFirst)
            {
                stream.WriteByte((byte)'\n');
            }

            stream.Write(line);
            stream.WriteByte((byte)'\n');
            stream.Flush(flushToDisk: true);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<AuditEntry> Query(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var found = new List<AuditEntry>();
        DateTime first = new(query.From.UtcDateTime.Year, query.From.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (string path in Directory.GetFiles(_directory, "audit-*.jsonl").Order(StringComparer.Ordinal))
        {
            // The months of the period only.
            if (!DateTime.TryParseExact(Path.GetFileName(path)[6..^6], "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime month)
                || month < first || month >= query.To.UtcDateTime)
            {
                continue;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                AuditEntry? entry;
                try
                {
                    entry = JsonSerializer.Deserialize<AuditEntry>(line, AlertNotification.Json);
                }
                catch (JsonException)
                {
                    continue; // a torn last line from a crash mid-write
                }

                if (entry is not null && query.Matches(entry))
                {
                    found.Add(entry);
                }
            }
        }

        // Stable: entries of the same instant keep the order they were recorded in (reversed, as the rest).
        return [.. found.AsEnumerable().Reverse().OrderByDescending(e => e.At).Take(query.Limit)];
    }

    private static bool EndsTorn(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.Length == 0)
        {
            return false;
        }

        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() != '\n';
    }

    private string PathFor(DateTimeOffset at) => Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"audit-{at.UtcDateTime:yyyy-MM}.jsonl"));

    /// <summary>The audit line (without its line end) of an entry, its time in UTC.</summary>
    internal static byte[] Line(AuditEntry entry) =>
        JsonSerializer.SerializeToUtf8Bytes(entry with { At = entry.At.ToUniversalTime() }, AlertNotification.Json);
}
