using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;

namespace GardenCity.Monitoring.Alerting.Duty.Silences;

/// <summary>
/// The silences (maintenance windows), durable in <c>{StateDirectory}/silences.json</c> (written whole and atomically on
/// every change, read back at start), each change recorded in the audit trail. A silence is active from its start until
/// its end by the injected <see cref="TimeProvider"/>; it expires by itself (<see cref="TakeExpired"/> notes that in
/// the audit trail once). Silences over for more than <see cref="KeepFor"/> are dropped from the file (the audit trail
/// keeps them). Thread-safe.
/// </summary>
public sealed class SilenceBook : ISilences
{
    /// <summary>How long a silence that is over stays in the file and the list.</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(30);

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly IAuditLog _audit;
    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];

    /// <summary>Opens (or creates) the book in <paramref name="directory"/>.</summary>
    public SilenceBook(string directory, TimeProvider time, IAuditLog audit)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "silences.json");
        _time = time;
        _audit = audit;
        if (File.Exists(_path))
        {
            _entries.AddRange(JsonSerializer.Deserialize<List<Entry>>(File.ReadAllBytes(_path), AlertNotification.Json) ?? []);
        }
    }

    /// <inheritdoc/>
    public Silence Create(SilenceMatchers matchers, string by, string reason, DateTimeOffset startsAt, DateTimeOffset endsAt)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        if (matchers.IsEmpty || endsAt <= startsAt)
        {
            throw new ArgumentException("A silence needs a matcher and an end after its start.", nameof(matchers));
        }

        DateTimeOffset now = _time.GetUtcNow();
        string id = string.Create(CultureInfo.InvariantCulture, $"s-{now.UtcDateTime:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
        var silence = new Silence(id, matchers, by, reason, startsAt, endsAt, now);
        lock (_gate)
        {
            _entries.Add(new Entry(silence, false));
            Save(now);
        }

        _audit.Record(new AuditEntry(now, AuditKinds.SilenceCreated, by, null, id, Describe(silence)));
        return silence;
    }

    /// <inheritdoc/>
    public IReadOnlyList<Silence> List(TimeSpan recent)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            return [.. _entries.Select(e => e.Silence).Where(s => s.Until > now - recent).OrderByDescending(s => s.CreatedAt)];
        }
    }

    /// <inheritdoc/>
    public Silence? Expire(string id, string by)
    {
        DateTimeOffset now = _time.GetUtcNow();
        Silence ended;
        lock (_gate)
        {
            int i = _entries.FindIndex(e => e.Silence.Id == id);
            if (i < 0)
            {
                return null;
            }

            if (_entries[i].Silence.Until <= now)
            {
                return _entries[i].Silence; // already over
            }

            ended = _entries[i].Silence with { EndedAt = now, EndedBy = by };
            _entries[i] = new Entry(ended, true);
            Save(now);
        }

        _audit.Record(new AuditEntry(now, AuditKinds.SilenceDeleted, by, null, id, Describe(ended)));
        return ended;
    }

    /// <summary>The active silence covering <paramref name="notification"/> now (the one lasting longest), or null.</summary>
    public Silence? Covering(AlertNotification notification)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            return _entries.Select(e => e.Silence).Where(s => s.IsActiveAt(now) && s.Matchers.Matches(notification)).MaxBy(s => s.Until);
        }
    }

    /// <summary>Notes in the audit trail, once each, the silences that reached their planned end; true when there were any.</summary>
    public bool TakeExpired()
    {
        DateTimeOffset now = _time.GetUtcNow();
        List<Silence> expired;
        lock (_gate)
        {
            expired = [.. _entries.Where(e => !e.Over && e.Silence.EndsAt <= now).Select(e => e.Silence)];
            if (expired.Count == 0)
            {
                return false;
            }

            for (int i = 0; i < _entries.Count; i++)
            {
                if (!_entries[i].Over && _entries[i].Silence.EndsAt <= now)
                {
                    _entries[i] = _entries[i] with { Over = true };
                }
            }

            Save(now);
        }

        foreach (Silence s in expired)
        {
            _audit.Record(new AuditEntry(s.EndsAt, AuditKinds.SilenceExpired, AuditEntry.System, null, s.Id, Describe(s)));
        }

        return true;
    }

    /// <summary>What a silence covers, who made it, why and until when, for the audit trail.</summary>
    internal static string Describe(Silence silence) =>
        string.Create(CultureInfo.InvariantCulture, $"{silence.Matchers} from {silence.StartsAt:O} until {silence.Until:O} by {silence.CreatedBy}: {silence.Reason}");

    private void Save(DateTimeOffset now)
    {
        _entries.RemoveAll(e => e.Over && e.Silence.Until < now - KeepFor);
        StateFile.Write(_path, _entries, AlertNotification.Json);
    }

    /// <summary>A silence and whether it is over (expired or ended early) and noted so.</summary>
    private sealed record Entry(Silence Silence, bool Over);
}
