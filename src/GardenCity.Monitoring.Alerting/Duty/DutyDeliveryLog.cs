using System.Text.Json;
using System.Text.Json.Serialization;
using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting.Duty;

/// <summary>Where a delivery stands.</summary>
public enum DutyDeliveryStatus
{
    /// <summary>A round failed transiently; it is tried again.</summary>
    Retrying,

    /// <summary>Accepted by the channel.</summary>
    Sent,

    /// <summary>Refused by the channel (not transient: a wrong key or signature, 4xx, SMTP 5xx, a gateway's refusal); not tried again.</summary>
    Failed,

    /// <summary>Still failing transiently after <see cref="DutyChannelOptions.GiveUpAfter"/> (or its channel is no longer configured); not tried again.</summary>
    GaveUp,

    /// <summary>Not sent: held back by inhibition (the reason names the inhibiting alert); sent later if released.</summary>
    HeldBack,
}

/// <summary>The latest status of one delivery: an alert revision (notification) to one channel and recipient.</summary>
/// <param name="NotificationId"><c>{alert id}#{revision}</c>.</param>
/// <param name="AlertId">The alert.</param>
/// <param name="Channel">Channel name.</param>
/// <param name="Recipient">Recipient name, or <c>@group</c> for a robot's group message.</param>
/// <param name="Status">Status.</param>
/// <param name="Attempts">Delivery rounds so far (each of up to 1 + Retries attempts).</param>
/// <param name="Reason">Why it failed (the last failure), if it did.</param>
/// <param name="At">When, by the worker's clock.</param>
/// <param name="Tier">The escalation tier: 1 for the routes (told at once), 2, 3, … for the tiers of an escalation policy.</param>
public sealed record DutyDeliveryRecord(string NotificationId, string AlertId, string Channel, string Recipient, DutyDeliveryStatus Status, int Attempts, string? Reason, DateTimeOffset At, int Tier = 1);

/// <summary>
/// Delivery statuses per (alert revision, channel, recipient, escalation tier): the latest of each in memory, queryable by alert, and
/// every change appended to <c>duty-deliveries.jsonl</c> in the state folder (read back at start). Thread-safe.
/// </summary>
public sealed class DutyDeliveryLog : IAlertDeliveries
{
    private static readonly JsonSerializerOptions Json = new(AlertNotification.Json) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) } };
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string NotificationId, string Channel, string Recipient, int Tier), DutyDeliveryRecord> _latest = [];

    /// <summary>Opens (or creates) the log in <paramref name="directory"/>.</summary>
    public DutyDeliveryLog(string directory)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "duty-deliveries.jsonl");
        if (!File.Exists(_path))
        {
            return;
        }

        foreach (string line in File.ReadLines(_path))
        {
            try
            {
                if (JsonSerializer.Deserialize<DutyDeliveryRecord>(line, Json) is { } r)
                {
                    _latest[(r.NotificationId, r.Channel, r.Recipient, r.Tier)] = r;
                }
            }
            catch (JsonException)
            {
                // A torn last line from a crash mid-write: that status is recorded again when the delivery is retried.
            }
        }
    }

    /// <summary>Records a status.</summary>
    public void Record(DutyDeliveryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            _latest[(record.NotificationId, record.Channel, record.Recipient, record.Tier)] = record;
            File.AppendAllText(_path, JsonSerializer.Serialize(record, Json) + "\n");
        }
    }

    /// <summary>The latest status of every delivery of an alert, oldest revision first.</summary>
    public IReadOnlyList<DutyDeliveryRecord> ForAlert(string alertId)
    {
        lock (_gate)
        {
            return _latest.Values.Where(r => r.AlertId == alertId).OrderBy(r => r.NotificationId, StringComparer.Ordinal).ThenBy(r => r.Tier).ThenBy(r => r.Channel, StringComparer.Ordinal).ThenBy(r => r.Recipient, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>The latest status of every delivery.</summary>
    public IReadOnlyList<DutyDeliveryRecord> All()
    {
        lock (_gate)
        {
            return [.. _latest.Values];
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<AlertDelivery> For(string alertId) =>
        ForAlert(alertId).Select(r => new AlertDelivery(r.NotificationId, r.Channel, r.Recipient, AlertingMetrics.StatusName(r.Status), r.Attempts, r.Reason, r.At, r.Tier)).ToList();
}
