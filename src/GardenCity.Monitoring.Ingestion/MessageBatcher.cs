using System.Threading.Channels;

namespace GardenCity.Monitoring.Ingestion;

/// <summary>
/// The ingestion worker's one batch rule, for both ways messages arrive (<c>MqttIngestionService</c> as a subscriber,
/// <c>InterceptedIngestionService</c> inside the embedded broker):
/// <list type="number">
/// <item>A batch starts with the first message that arrives.</item>
/// <item>It takes every message already queued, up to <c>BatchSize</c>.</item>
/// <item>While it holds fewer than <c>BatchSize</c>, it lingers for more until <c>linger</c> has passed since that
/// first message (on the injected <see cref="TimeProvider"/>), and then goes as it is.</item>
/// </list>
/// The subscriber lingers <c>BatchInterval</c> (500 ms): the broker keeps up to <c>QueueCapacity</c> messages in flight
/// towards it, so waiting fills the batch and saves InfluxDB requests. The all-in-one mode lingers zero: every sender
/// is waiting for its PUBACK from this very batch, so waiting could only add latency; under load its batches still grow
/// by themselves, from what queues up while the previous batch is written.
/// </summary>
/// <typeparam name="T">What is queued.</typeparam>
internal sealed class MessageBatcher<T>(ChannelReader<T> reader, int batchSize, TimeSpan linger, TimeProvider time)
{
    /// <summary>The most messages in one batch.</summary>
    public int BatchSize { get; } = batchSize;

    /// <summary>How long a batch waits for more after its first message.</summary>
    public TimeSpan Linger { get; } = linger;

    /// <summary>
    /// Waits for the first message and fills <paramref name="batch"/> by the rule above. Returns false when the queue is
    /// completed and empty. Throws <see cref="OperationCanceledException"/> when <paramref name="stoppingToken"/> is cancelled
    /// before the first message; once the batch has started, cancellation ends the lingering and the batch is returned
    /// (the caller decides what a stopping worker does with it).
    /// </summary>
    public async Task<bool> FillAsync(List<T> batch, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            return false;
        }

        while (batch.Count < BatchSize && reader.TryRead(out T? item))
        {
            batch.Add(item);
        }

        if (batch.Count >= BatchSize || Linger <= TimeSpan.Zero)
        {
            return true;
        }

        using var timer = new CancellationTokenSource(Linger, time);
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timer.Token);
        while (batch.Count < BatchSize)
        {
            if (reader.TryRead(out T? item))
            {
                batch.Add(item);
                continue;
            }

            try
            {
                if (!await reader.WaitToReadAsync(linger.Token).ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (linger.IsCancellationRequested)
            {
                break;
            }
        }

        return true;
    }
}
