namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>
/// Takes a station's message inside the embedded broker, before the broker answers the station. The station's PUBACK
/// is held until the task <see cref="TakeAsync"/> returns has completed, that is until the message is durable (stored,
/// spooled or dead-lettered), so a PUBACK means "durable" even if the whole process crashes right after
/// (<see cref="DurabilityGate"/>).
/// </summary>
public interface IPublishInterceptor
{
    /// <summary>
    /// Queues the message for ingestion, waiting while the queue is full (so a station that sends faster than messages
    /// are made durable is slowed down), and returns a task that completes once the message is durable. The tasks
    /// complete in the order the messages were taken; one that will not complete successfully (the worker stopping)
    /// is cancelled or failed, and the station's PUBACK is then never sent.
    /// </summary>
    /// <param name="topic">The message's topic.</param>
    /// <param name="payload">Its payload, handed over: the caller gives a copy of its own and does not reuse it.</param>
    /// <param name="traceParent">The station's W3C trace context (<see cref="Client.MqttTraceContext"/>), or <see langword="default"/>.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the queue.</param>
    ValueTask<Task> TakeAsync(string topic, ReadOnlyMemory<byte> payload, System.Diagnostics.ActivityContext traceParent, CancellationToken cancellationToken);
}
