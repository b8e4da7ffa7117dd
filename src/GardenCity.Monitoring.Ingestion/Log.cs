using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.Ingestion;

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Embedded MQTT broker listening on {Address}:{Port}")]
    public static partial void BrokerStarted(this ILogger logger, string address, int port);

    [LoggerMessage(LogLevel.Information, "Connected to MQTT broker {Host}:{Port} as {ClientId} (session present: {SessionPresent}); subscribed to {Filter}")]
    public static partial void Connected(this ILogger logger, string host, int port, string clientId, bool sessionPresent, string filter);

    [LoggerMessage(LogLevel.Warning, "MQTT broker {Host}:{Port} refused the connection: {ResultCode} {Reason}")]
    public static partial void ConnectRefused(this ILogger logger, string host, int port, string resultCode, string? reason);

    [LoggerMessage(LogLevel.Warning, "Cannot reach MQTT broker {Host}:{Port}; next try in {Delay}")]
    public static partial void ConnectFailed(this ILogger logger, Exception exception, string host, int port, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Disconnected from the MQTT broker: {Reason}")]
    public static partial void Disconnected(this ILogger logger, string reason);

    [LoggerMessage(LogLevel.Warning, "InfluxDB write failed, retrying (attempt {Attempt}): {Message}")]
    public static partial void WriteRetry(this ILogger logger, int attempt, string message);

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
}
