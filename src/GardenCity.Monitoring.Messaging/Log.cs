using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.Messaging;

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Embedded MQTT broker listening on {Address}:{Port}")]
    public static partial void BrokerStarted(this ILogger logger, string address, int port);

    [LoggerMessage(LogLevel.Warning, "Broker refused the connection of client {ClientId} (user {User}): {Reason}")]
    public static partial void ConnectionRefused(this ILogger logger, string clientId, string user, string reason);

    [LoggerMessage(LogLevel.Warning, "Broker refused a publish by {ClientId} on {Topic}")]
    public static partial void PublishRefused(this ILogger logger, string clientId, string topic);

    [LoggerMessage(LogLevel.Warning, "Broker refused a subscription by {ClientId} to {Filter}")]
    public static partial void SubscribeRefused(this ILogger logger, string clientId, string filter);

    [LoggerMessage(LogLevel.Warning, "Broker disconnected MQTT 3.1.1 client {ClientId} (user {User}) for publishing on {Topic}, which it may not (3.1.1 has no PUBACK reason code)")]
    public static partial void PublishRefusedDisconnected(this ILogger logger, string clientId, string user, string topic);

    [LoggerMessage(LogLevel.Warning, "Broker closed the connection from {Remote}: a packet of {Claimed} bytes claimed, the limit is {Limit} (GardenCity:Broker:MaxPacketSize; -1 = malformed length)")]
    public static partial void BrokerPacketTooLarge(this ILogger logger, string remote, long claimed, int limit);

    [LoggerMessage(LogLevel.Warning, "Broker closes new connections: {Limit} in all (GardenCity:Broker:MaxPendingConnections) or {PerSource} from one address (MaxPendingConnectionsPerSource) are waiting for their CONNECT; until they log in or time out")]
    public static partial void BrokerPendingConnectionsFull(this ILogger logger, int limit, int perSource);

    [LoggerMessage(LogLevel.Debug, "Broker refused the connection of client {ClientId} (user {User}) from {Remote} without checking: too many failed logins")]
    public static partial void ConnectionRateLimited(this ILogger logger, string clientId, string user, string remote);

    [LoggerMessage(LogLevel.Warning, "Broker could not accept a connection: {Error}")]
    public static partial void BrokerAcceptFailed(this ILogger logger, string error);
}
