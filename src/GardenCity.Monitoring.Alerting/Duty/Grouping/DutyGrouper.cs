using System.Text.Json;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting.Duty.Grouping;

/// <summary>
/// Collects duty-room deliveries into groups — one channel and recipient, one audience, one watershed (or site), urgent
/// or not — for a window from the group's first delivery, then hands the group on as one delivery listing them
/// (docs/duty-room.md, "Grouping"). The deliveries themselves stay in the durable outbox until the group is sent; the
/// moment each group opened is kept in <c>duty-groups.json</c> in the state folder, so after a restart the deliveries
/// restored from the outbox join the same group and it goes out when its window ends (at the earliest a second after the
/// start): one message, nothing lost. Thread-safe.
/// </summary>
internal sealed class DutyGrouper : IDisposable
{
    /// <summary>Shortest wait for a group restored after a restart, so every restored delivery joins it first.</summary>
    internal static readonly TimeSpan RestoredMinimumWait = TimeSpan.FromSeconds(1);

    private readonly DutyGroupingOptions _options;
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Action<DutyDelivery> _release;
    private readonly Action<DutyDecision> _decide;
    private readonly Severity _urgent;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _opened;

    /// <summary>Creates the grouper; <paramref name="release"/> sends a (grouped) delivery, <paramref name="decide"/> records a group.</summary>
    public DutyGrouper(DutyGroupingOptions options, string stateDirectory, TimeProvider time, Action<DutyDelivery> release, Action<DutyDecision> decide)
    {
        (_options, _time, _release, _decide) = (options, time, release, decide);
        _urgent = SeverityNames.TryParse(options.UrgentSeverity, out Severity urgent) ? urgent : Severity.Red;
        Directory.CreateDirectory(stateDirectory);
        _path = Path.Combine(stateDirectory, "duty-groups.json");
        _opened = Load(_path);
    }

    /// <summary>The group of a delivery: channel, recipient, audience, place, urgency.</summary>
    public string Key(DutyDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        AlertNotification n = delivery.Notification;
        string place = _options.By == DutyGroupBy.Watershed && n.Watershed is { } w ? "w:" + w : "s:" + n.Site;
        string urgency = IsUrgent(n) ? "urgent" : "normal";
        return $"{delivery.Channel}|{delivery.Recipient}|{n.Audience.ToString().ToLowerInvariant()}|{place}|{urgency}";
    }

    /// <summary>The window of a delivery's group; zero: it is not grouped.</summary>
    public TimeSpan Window(AlertNotification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return IsUrgent(n) ? _options.UrgentWindow : _options.AudienceWindows.GetValueOrDefault(n.Audience, _options.Window);
    }

    /// <summary>Takes a delivery into its group; false when it is not grouped (window zero) and goes out alone now.</summary>
    public bool Hold(DutyDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        TimeSpan window = Window(delivery.Notification);
        if (window <= TimeSpan.Zero)
        {
            return false;
        }

        string key = Key(delivery);
        lock (_gate)
        {
            if (!_groups.TryGetValue(key, out Group? group))
            {
                DateTimeOffset now = _time.GetUtcNow();
                bool restored = _opened.TryGetValue(key, out DateTimeOffset opened);
                if (!restored)
                {
                    _opened[key] = opened = now;
                    Save();
                }

                TimeSpan wait = opened + window - now;
                if (restored && wait < RestoredMinimumWait)
                {
                    wait = RestoredMinimumWait;
                }

                group = new Group();
                _groups[key] = group;
                group.Timer = _time.CreateTimer(_ => Close(key, group), null, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }

            if (!group.Items.Exists(d => d.Notification.NotificationId == delivery.Notification.NotificationId))
            {
                group.Items.Add(delivery);
            }
        }

        return true;
    }

    /// <summary>After the outbox was restored at start: forgets the windows of groups none of whose deliveries were left.</summary>
    public void ForgetUnrestored()
    {
        lock (_gate)
        {
            if (_opened.Keys.Except(_groups.Keys).ToList() is { Count: > 0 } stale)
            {
                stale.ForEach(k => _opened.Remove(k));
                Save();
            }
        }
    }

    /// <summary>Deliveries waiting in groups for their window.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _groups.Values.Sum(g => g.Items.Count);
            }
        }
    }

    /// <summary>Stops the timers; what waits stays in the outbox and in <c>duty-groups.json</c> for the next start.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (Group group in _groups.Values)
            {
                group.Timer?.Dispose();
            }

            _groups.Clear();
        }
    }

    /// <summary>The group as one delivery: worst first (colour, then time); alone when it holds one.</summary>
    internal static DutyDelivery Merge(IReadOnlyList<DutyDelivery> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        List<DutyDelivery> ordered = items.OrderByDescending(d => DutyMessages.Colour(d.Notification)).ThenBy(d => d.Notification.UpdatedAt).ThenBy(d => d.Notification.NotificationId, StringComparer.Ordinal).ToList();
        if (ordered.Count == 1)
        {
            return ordered[0];
        }

        List<DutyRecipientOptions> mentions = ordered.SelectMany(d => d.Mentions).DistinctBy(p => p.Name).ToList();
        return ordered[0] with { Mentions = mentions, Grouped = ordered.Select(d => d.Notification).ToList() };
    }

    private bool IsUrgent(AlertNotification n) => DutyMessages.Colour(n) >= _urgent;

    private void Close(string key, Group group)
    {
        DutyDelivery merged;
        lock (_gate)
        {
            if (!_groups.TryGetValue(key, out Group? current) || !ReferenceEquals(current, group))
            {
                return; // disposed
            }

            _groups.Remove(key);
            _opened.Remove(key);
            Save();
            group.Timer?.Dispose();
            merged = Merge(group.Items);
        }

        if (merged.Grouped.Count > 0)
        {
            _decide(new DutyDecision(DutyDecisionKind.Grouped, merged.Notification, key, merged.Grouped.Select(n => n.NotificationId).ToList(), merged.Channel, merged.Recipient));
        }

        _release(merged);
    }

    private void Save()
    {
        StateFile.Write(_path, _opened);
    }

    private static Dictionary<string, DateTimeOffset> Load(string path)
    {
        try
        {
            return File.Exists(path)
                ? new Dictionary<string, DateTimeOffset>(JsonSerializer.Deserialize<Dictionary<string, DateTimeOffset>>(File.ReadAllText(path)) ?? [], StringComparer.Ordinal)
                : new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            // Written by replace, so never torn; if it is unreadable anyway, restored deliveries open new windows.
            return new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        }
    }

    private sealed class Group
    {
        public List<DutyDelivery> Items { get; } = [];

        public ITimer? Timer { get; set; }
    }
}
