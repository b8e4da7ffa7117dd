using GardenCity.Monitoring.Core.Alerts;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>
/// Live alert changes for in-process listeners (the API's server-sent events): every subscriber gets every
/// notification published after it subscribed. A subscriber that falls 1000 behind loses the oldest. Thread-safe.
/// </summary>
public sealed class AlertFeed : IAlertStream
{
    private readonly Lock _gate = new();
    private readonly List<Channel<AlertNotification>> _subscribers = [];

    /// <summary>Number of subscribers.</summary>
    public int Subscribers
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Hands a notification to every subscriber; never blocks.</summary>
    public void Publish(AlertNotification notification)
    {
        lock (_gate)
        {
            foreach (Channel<AlertNotification> channel in _subscribers)
            {
                channel.Writer.TryWrite(notification);
            }
        }
    }

    /// <summary>The notifications published from now on, until cancelled.</summary>
    public async IAsyncEnumerable<AlertNotification> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Channel<AlertNotification> channel = Channel.CreateBounded<AlertNotification>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        try
        {
            await foreach (AlertNotification n in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return n;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}
