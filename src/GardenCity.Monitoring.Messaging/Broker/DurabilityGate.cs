namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>
/// Holds what the embedded broker sends back to one station connection until the messages it took from that connection
/// are durable: the connection's <see cref="Client.WriteCoalescingStream"/> waits for <see cref="Last"/> before it sends
/// what was written after a message was taken, and MQTTnet writes a message's PUBACK only after its interception
/// returned. So a station may send its next message while the previous one is still being made durable (the broker's
/// receive loop does not wait), yet no PUBACK leaves before its message is durable. The durability tasks of one
/// <see cref="IPublishInterceptor"/> complete in the order the messages were taken, so waiting for the last one taken
/// waits for every earlier one too.
/// </summary>
/// <remarks>
/// The gate of the connection being served is found through <see cref="Current"/>: the listener sets it before it hands
/// the connection to MQTTnet, whose receive loop (and with it the publish interception) runs in that flow. A connection
/// without a gate (one MQTTnet accepted itself) makes the interception wait for durability instead.
/// </remarks>
internal sealed class DurabilityGate
{
    private static readonly AsyncLocal<DurabilityGate?> CurrentGate = new();

    private Task _last = Task.CompletedTask;

    /// <summary>The gate of the connection whose packets this flow handles; null outside a gated connection.</summary>
    public static DurabilityGate? Current
    {
        get => CurrentGate.Value;
        set => CurrentGate.Value = value;
    }

    /// <summary>Completes when every message taken from the connection so far is durable; fails or is cancelled when one will not be.</summary>
    public Task Last => Volatile.Read(ref _last);

    /// <summary>Holds everything the connection sends from now on until <paramref name="durable"/> completes.</summary>
    public void Hold(Task durable) => Volatile.Write(ref _last, durable);
}
