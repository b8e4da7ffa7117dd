using GardenCity.Monitoring.Core.Alerts;
using System.Text.Json;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>
/// Notifications not yet delivered, per endpoint, on disk (<c>outbox.jsonl</c> in the state folder): a notification
/// is added (and flushed to disk) before the alert state that produced it is saved and its readings acknowledged, and
/// marked done once its endpoint accepted it. After a crash the pending ones are sent again, so nothing is missed; a
/// receiver may see one twice and recognises it by its notification id. Thread-safe.
/// </summary>
public sealed class Outbox
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Endpoint, string Id), AlertNotification> _pending = [];
    private int _doneSinceCompaction;

    /// <summary>Opens (or creates) the outbox in <paramref name="directory"/>.</summary>
    public Outbox(string directory)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "outbox.jsonl");
        if (File.Exists(_path))
        {
            foreach (string line in File.ReadLines(_path))
            {
                Entry? entry;
                try
                {
                    entry = JsonSerializer.Deserialize<Entry>(line, AlertNotification.Json);
                }
                catch (JsonException)
                {
                    continue; // a torn last line from a crash mid-write: its notification was never acknowledged upstream
                }

                if (entry?.Notification is { } n)
                {
                    _pending[(entry.Endpoint, n.NotificationId)] = n;
                }
                else if (entry?.Done is { } done)
                {
                    _pending.Remove((entry.Endpoint, done));
                }
            }
        }

        Compact();
    }

    /// <summary>Pending notifications, oldest first, with their endpoint.</summary>
    public IReadOnlyList<(string Endpoint, AlertNotification Notification)> Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Select(p => (p.Key.Endpoint, p.Value)).ToList();
            }
        }
    }

    /// <summary>Adds notifications for endpoints, durably.</summary>
    public void Add(IReadOnlyCollection<(string Endpoint, AlertNotification Notification)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            foreach ((string endpoint, AlertNotification n) in items)
            {
                _pending[(endpoint, n.NotificationId)] = n;
                stream.Write(Line(endpoint, n));
                stream.WriteByte((byte)'\n');
            }

            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>Marks a notification delivered to an endpoint (not flushed: losing the mark costs one repeat).</summary>
    public void Done(string endpoint, string notificationId)
    {
        lock (_gate)
        {
            if (!_pending.Remove((endpoint, notificationId)))
            {
                return;
            }

            File.AppendAllText(_path, JsonSerializer.Serialize(new Entry(endpoint, null, notificationId), AlertNotification.Json) + "\n");
            if (_pending.Count == 0 || ++_doneSinceCompaction >= 10_000)
            {
                Compact();
            }
        }
    }

    private void Compact()
    {
        string temporary = _path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (((string endpoint, _), AlertNotification n) in _pending)
            {
                stream.Write(Line(endpoint, n));
                stream.WriteByte((byte)'\n');
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
        _doneSinceCompaction = 0;
    }

    /// <summary>The outbox line (without its line end) of a notification owed to an endpoint.</summary>
    internal static byte[] Line(string endpoint, AlertNotification notification) =>
        JsonSerializer.SerializeToUtf8Bytes(new Entry(endpoint, notification, null), AlertNotification.Json);

    private sealed record Entry(string Endpoint, AlertNotification? Notification, string? Done);
}
