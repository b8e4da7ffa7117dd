using System.Net;
using MQTTnet.Channel;

namespace GardenCity.Monitoring.Messaging.Client;

/// <summary>Opens every worker connection to the broker as a <see cref="WriteCoalescingStream"/>.</summary>
internal sealed class CoalescingStreamProvider : IMqttClientStreamProvider
{
    /// <summary>The one instance (it keeps no state).</summary>
    public static readonly CoalescingStreamProvider Instance = new();

    /// <inheritdoc/>
    public Task<Stream> ConnectAsync(EndPoint brokerEndPoint, CancellationToken cancellationToken) =>
        WriteCoalescingStream.ConnectAsync(brokerEndPoint, cancellationToken);
}
