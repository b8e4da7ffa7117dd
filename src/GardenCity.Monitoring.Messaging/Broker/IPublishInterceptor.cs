namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>
/// Takes a station's message inside the embedded broker, before the broker answers the station: when
/// <see cref="IngestAsync"/> returns, the message is durable (stored, spooled or dead-lettered), so the station's
/// PUBACK means "durable" even if the whole process crashes right after.
/// </summary>
public interface IPublishInterceptor
{
    /// <summary>Makes the message durable; waits (and so holds the station's PUBACK) while that is not possible.</summary>
    /// <param name="topic">The message's topic.</param>
    /// <param name="payload">Its payload.</param>
    /// <param name="traceParent">The station's W3C trace context (<see cref="Client.MqttTraceContext"/>), or <see langword="default"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    Task IngestAsync(string topic, ReadOnlyMemory<byte> payload, System.Diagnostics.ActivityContext traceParent, CancellationToken cancellationToken);
}
