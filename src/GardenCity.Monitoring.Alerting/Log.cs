using GardenCity.Monitoring.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.Alerting;

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Loaded {Count} rules from {Directory}")]
    public static partial void RulesLoaded(ILogger logger, int count, string directory);

    [LoggerMessage(LogLevel.Error, "Rule files refused; the rules already running stay in force:\n{Errors}")]
    public static partial void RulesRefused(ILogger logger, string errors);

    [LoggerMessage(LogLevel.Warning, "Alert {Transition} {AlertId} ({Severity}): {Message}")]
    public static partial void AlertChanged(ILogger logger, string transition, string alertId, string severity, string message);

    [LoggerMessage(LogLevel.Warning, "Delivering {NotificationId} to {Endpoint} failed; retrying")]
    public static partial void DeliveryFailed(ILogger logger, Exception exception, string endpoint, string notificationId);

    [LoggerMessage(LogLevel.Error, "{Endpoint} refused notification {NotificationId} of alert {AlertId} with HTTP {Status}; it is not sent again (the same request would be refused): check the endpoint's URL and credentials and the receiver's log")]
    public static partial void DeliveryRefused(ILogger logger, string endpoint, string notificationId, int status, string alertId);

    [LoggerMessage(LogLevel.Warning, "Alert history cannot be written to InfluxDB ({Reason}); {Batches} batches held on disk, retrying with back-off")]
    public static partial void HistoryHeld(ILogger logger, string reason, int batches);

    [LoggerMessage(LogLevel.Warning, "Alert history still not written after {Duration} ({Attempts} attempts, {Batches} batches held on disk): {Reason}")]
    public static partial void HistoryStillHeld(ILogger logger, TimeSpan duration, int attempts, int batches, string reason);

    [LoggerMessage(LogLevel.Information, "Alert history is being written to InfluxDB again after {Duration} ({Attempts} failed attempts); {Batches} batches still to write")]
    public static partial void HistoryWriting(ILogger logger, TimeSpan duration, int attempts, int batches);

    [LoggerMessage(LogLevel.Error, "InfluxDB refused an alert history line ({Reason}); it is kept in the dead-letter store: {Line}")]
    public static partial void HistoryLineRefused(ILogger logger, string reason, string line);

    [LoggerMessage(LogLevel.Warning, "Could not refill the rule windows from InfluxDB; starting with what arrives")]
    public static partial void PrimeFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Information, "Refilled the rule windows with {Count} stored readings from {From} to {To}")]
    public static partial void Primed(ILogger logger, int count, DateTimeOffset from, DateTimeOffset to);

    [LoggerMessage(LogLevel.Information, "Alerting partitions {Owned} of {Partitions}: evaluating {Groups} alerting group(s): {Keys}; readings of other stations only move the watermark")]
    public static partial void PartitionsOwned(ILogger logger, string owned, int partitions, int groups, string keys);

    [LoggerMessage(LogLevel.Information, "Took over alert {AlertId} (revision {Revision}, {Severity}) from the alert history")]
    public static partial void AlertTakenOver(ILogger logger, string alertId, int revision, string severity);

    [LoggerMessage(LogLevel.Information, "Took over {Adopted} of {Found} alerts in force found in the alert history for stations new to this worker")]
    public static partial void TookOver(ILogger logger, int adopted, int found);

    [LoggerMessage(LogLevel.Error, "Could not read the alert history to take over the alerts in force of the stations new to this worker: an incident already raised by their previous worker may be raised again")]
    public static partial void TakeOverFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Information, "Alerting connected to MQTT broker {Host}:{Port} as {ClientId} (session present: {SessionPresent})")]
    public static partial void Connected(ILogger logger, string host, int port, string clientId, bool sessionPresent);

    [LoggerMessage(LogLevel.Warning, "Alerting cannot reach MQTT broker {Host}:{Port}; next try in {Delay}")]
    public static partial void ConnectFailed(ILogger logger, Exception exception, string host, int port, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "MQTT broker {Host}:{Port} refused the alerting connection: {ResultCode} {Reason}")]
    public static partial void ConnectRefused(ILogger logger, string host, int port, string resultCode, string? reason);

    [LoggerMessage(LogLevel.Warning, "Publishing alert {Topic} failed")]
    public static partial void PublishFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(LogLevel.Warning, "Alert state file {Path} is unreadable ({Reason}); starting with no alerts in force")]
    public static partial void StateUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(LogLevel.Information, "Alert state: {Records} journal records of alert changes restored from {Path} over the last full save")]
    public static partial void JournalRestored(ILogger logger, int records, string path);

    [LoggerMessage(LogLevel.Information, "Duty-room channels running: {Channels}; {Pending} deliveries left from the last run")]
    public static partial void DutyStarted(ILogger logger, string channels, int pending);

    [LoggerMessage(LogLevel.Information, "Duty message {NotificationId} sent by {Channel} to {Recipient} (round {Rounds})")]
    public static partial void DutySent(ILogger logger, string channel, string recipient, string notificationId, int rounds);

    [LoggerMessage(LogLevel.Warning, "Duty message {NotificationId} by {Channel} to {Recipient}: round {Rounds} failed ({Reason}); next round in {Wait}")]
    public static partial void DutyRetrying(ILogger logger, string channel, string recipient, string notificationId, int rounds, TimeSpan wait, string reason);

    [LoggerMessage(LogLevel.Error, "Duty message {NotificationId} by {Channel} to {Recipient} was refused and is not tried again: {Reason}")]
    public static partial void DutyFailed(ILogger logger, string channel, string recipient, string notificationId, string reason);

    [LoggerMessage(LogLevel.Error, "Duty message {NotificationId} by {Channel} to {Recipient} given up after {Rounds} rounds: {Reason}")]
    public static partial void DutyGaveUp(ILogger logger, string channel, string recipient, string notificationId, int rounds, string reason);

    [LoggerMessage(LogLevel.Warning, "The delivery status of {NotificationId} by {Channel} could not be added to the alert history")]
    public static partial void DutyHistoryNotWritten(ILogger logger, Exception exception, string notificationId, string channel);

    [LoggerMessage(LogLevel.Information, "Duty message {NotificationId} held back: inhibited by {By}")]
    public static partial void DutyHeldBack(ILogger logger, string notificationId, string by);

    [LoggerMessage(LogLevel.Information, "Duty message {NotificationId} released: {By} ended while it is still active")]
    public static partial void DutyReleased(ILogger logger, string notificationId, string by);

    [LoggerMessage(LogLevel.Warning, "Site-wide outage {NotificationId} at {Site}: {Message}")]
    public static partial void DutySiteOutage(ILogger logger, string notificationId, string site, string message);

    [LoggerMessage(LogLevel.Information, "{Count} duty notifications in one message by {Channel} to {Recipient} (group {Group}): {Notifications}")]
    public static partial void DutyGrouped(ILogger logger, int count, string channel, string recipient, string group, string notifications);

    [LoggerMessage(LogLevel.Warning, "{Endpoint} took notification {NotificationId}, but the outbox could not mark it delivered ({Reason}); deliveries go on, and after a restart it is sent once more (same Idempotency-Key): check the state folder's disk")]
    public static partial void OutboxMarkFailed(ILogger logger, string endpoint, string notificationId, string reason);

    [LoggerMessage(LogLevel.Information, "The alert publisher could not connect to the broker at start ({Reason}); the first alert's delivery connects, with retries")]
    public static partial void AlertPublisherNotConnected(ILogger logger, string reason);

    [LoggerMessage(LogLevel.Error, "MQTT alert topics: {Reason}. Webhooks and the duty-room channels are not affected; the MQTT deliveries wait in the outbox and are retried")]
    public static partial void AlertPublisherRefused(ILogger logger, string reason);

    [LoggerMessage(LogLevel.Information, "Alert path ready: {Methods} methods compiled ahead and a made-up alert rendered in {Milliseconds:F0} ms, so the first alert is told as fast as the rest")]
    public static partial void WarmedUp(ILogger logger, int methods, double milliseconds);

    [LoggerMessage(LogLevel.Warning, "Readying the alert path at start failed; the worker runs without it, and the first alert after the start is slower. Please report this with the exception")]
    public static partial void WarmUpFailed(ILogger logger, Exception exception);
}
