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
        byte[] line = JsonSerializer.SerializeToUtf8Bytes(entry with { At = entry.At.ToUniversalTime() }, AlertNotification.Json);
        lock (_gate)
        {
            using var stream = new FileStream(PathFor(entry.At), FileMode.Append, FileAccess.Write, FileShare.Read);
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
        DateTime month = new(query.From.UtcDateTime.Year, query.From.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        for (; month < query.To.UtcDateTime; month = month.AddMonths(1))
        {
            string path = PathFor(month);
            if (!File.Exists(path))
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

    private string PathFor(DateTimeOffset at) => PathFor(at.UtcDateTime);

    private string PathFor(DateTime utc) => Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"audit-{utc:yyyy-MM}.jsonl"));
}
