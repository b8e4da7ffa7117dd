namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>The latest status of one duty-room delivery of an alert (docs/duty-room.md, "Delivery status").</summary>
/// <param name="NotificationId">The alert revision: <c>{alert id}#{revision}</c>.</param>
/// <param name="Channel">Channel name.</param>
/// <param name="Recipient">Recipient name, or <c>@group</c> for a robot's group message.</param>
/// <param name="Status"><c>retrying</c>, <c>sent</c>, <c>failed</c> or <c>gave_up</c>.</param>
/// <param name="Rounds">Delivery rounds so far.</param>
/// <param name="Reason">The last failure, if any.</param>
/// <param name="At">When, by the alerting worker's clock.</param>
/// <param name="Tier">The escalation tier: 1 for the routes (told at once), 2, 3, … for an escalation policy's tiers.</param>
public sealed record AlertDelivery(string NotificationId, string Channel, string Recipient, string Status, int Rounds, string? Reason, DateTimeOffset At, int Tier = 1);

/// <summary>
/// Who was told of an alert, through which duty-room channel, and how it went. Declared here so that the API and the
/// alerting worker never reference each other; the alerting worker implements it. Thread-safe.
/// </summary>
public interface IAlertDeliveries
{
    /// <summary>The latest status of every delivery of an alert, oldest revision first (empty when none was routed).</summary>
    IReadOnlyList<AlertDelivery> For(string alertId);
}
