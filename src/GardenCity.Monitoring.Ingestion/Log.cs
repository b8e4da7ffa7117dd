using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.Ingestion;

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Connected to MQTT broker {Host}:{Port} as {ClientId} (session present: {SessionPresent}); subscribed to {Filter}")]
    public static partial void Connected(this ILogger logger, string host, int port, string clientId, bool sessionPresent, string filter);

    [LoggerMessage(LogLevel.Warning, "MQTT broker {Host}:{Port} refused the connection: {ResultCode} {Reason}")]
    public static partial void ConnectRefused(this ILogger logger, string host, int port, string resultCode, string? reason);

    [LoggerMessage(LogLevel.Warning, "Cannot reach MQTT broker {Host}:{Port}; next try in {Delay}")]
    public static partial void ConnectFailed(this ILogger logger, Exception exception, string host, int port, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Disconnected from the MQTT broker: {Reason}")]
    public static partial void Disconnected(this ILogger logger, string reason);

    [LoggerMessage(LogLevel.Warning, "InfluxDB is unavailable; {Count} readings go to the spool: {Message}")]
    public static partial void Spooling(this ILogger logger, int count, string message);

    [LoggerMessage(LogLevel.Warning, "{Reason}: not acknowledging, the broker keeps the messages; retrying in {Delay}")]
    public static partial void SpoolFull(this ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(LogLevel.Information, "Replayed {Readings} spooled readings to InfluxDB; {Remaining} batches left")]
    public static partial void Replayed(this ILogger logger, int readings, int remaining);

    [LoggerMessage(LogLevel.Warning, "Spool replay waits for InfluxDB ({Batches} batches spooled): {Message}")]
    public static partial void ReplayWaiting(this ILogger logger, int batches, string message);

    [LoggerMessage(LogLevel.Warning, "InfluxDB does not answer at start ({Message}); readings are spooled until it does")]
    public static partial void StoreNotReady(this ILogger logger, string message);

    [LoggerMessage(LogLevel.Information, "Stopping: writing the {Count} messages received and acknowledging them")]
    public static partial void Draining(this ILogger logger, int count);

    [LoggerMessage(LogLevel.Warning, "InfluxDB refused a batch of {Count} readings as bad data; writing them one by one: {Message}")]
    public static partial void BatchRefused(this ILogger logger, int count, string message);

    [LoggerMessage(LogLevel.Debug, "Stored {Readings} readings from {Messages} messages; {Rejected} rejected")]
    public static partial void BatchStored(this ILogger logger, int readings, int messages, int rejected);

    [LoggerMessage(LogLevel.Information, "Rejected {Reason} from {Topic}: {Detail}")]
    public static partial void Rejected(this ILogger logger, string reason, string topic, string detail);

    [LoggerMessage(LogLevel.Warning, "Could not acknowledge message on {Topic}; the broker will redeliver it and the rewrite is idempotent")]
    public static partial void AckFailed(this ILogger logger, Exception exception, string topic);

    [LoggerMessage(LogLevel.Warning, "Could not publish a dead letter on {Topic}; it is in the dead-letter file")]
    public static partial void DeadLetterPublishFailed(this ILogger logger, Exception exception, string topic);

    [LoggerMessage(LogLevel.Warning, "Station {Station}'s clock is off by {Offset} (its time minus the receipt time) for its last readings: they are flagged clock-drift (doubtful) until it is fixed")]
    public static partial void ClockDriftStarted(this ILogger logger, string station, TimeSpan offset);

    [LoggerMessage(LogLevel.Information, "Station {Station}'s clock is on time again")]
    public static partial void ClockDriftEnded(this ILogger logger, string station);
}
