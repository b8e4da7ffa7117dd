namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>
/// Takes a station's message inside the embedded broker, before the broker answers the station: when
/// <see cref="IngestAsync"/> returns, the message is durable (stored, spooled or dead-lettered), so the station's
/// PUBACK means "durable" even if the whole process crashes right after.
/// </summary>
public interface IPublishInterceptor
{
    /// <summary>Makes the message durable; waits (and so holds the station's PUBACK) while that is not possible.</summary>
    Task IngestAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}
