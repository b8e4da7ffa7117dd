using System.Threading.Channels;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Messaging.Broker;
using GardenCity.Monitoring.Messaging.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Ingestion.Mqtt;

/// <summary>
/// Ingestion in the all-in-one mode (the embedded broker and the worker in one process): the broker hands each
/// station message to <see cref="IngestAsync"/> from its publish interception; messages of concurrent stations are
/// batched; each station's PUBACK waits until its batch is durable. When InfluxDB is down and the spool full, the
/// PUBACKs wait, so stations slow down (back-pressure) and keep their readings in their own store-and-forward.
/// </summary>
internal sealed class InterceptedIngestionService(
    IngestionBatchProcessor processor,
    IOptions<MqttIngestionOptions> options,
    IOptions<MqttConnectionOptions> connection,
    IngestionState state,
    EmbeddedBrokerService broker) : BackgroundService, IPublishInterceptor
{
    private readonly Channel<(ReceivedMessage Message, TaskCompletionSource Done)> _queue =
        Channel.CreateBounded<(ReceivedMessage, TaskCompletionSource)>(new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true });

    private CancellationToken _stopping;

    public async Task IngestAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync((new ReceivedMessage(topic, payload.ToArray()), done), linked.Token).ConfigureAwait(false);
        await done.Task.WaitAsync(linked.Token).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        await processor.InitializeStoreAsync(stoppingToken).ConfigureAwait(false);

        state.SetSubscribed(true);
        var batch = new List<(ReceivedMessage Message, TaskCompletionSource Done)>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
                {
                    return;
                }

                // No lingering: every station waits for its PUBACK, so a batch is simply what has queued up meanwhile
                // (one message per station in flight); under load the batches grow by themselves.
                while (batch.Count < options.Value.BatchSize && _queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                await FlushAsync(batch, stoppingToken).ConfigureAwait(false);
                batch.Clear();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }

        // Stopping: what is not durable is not acknowledged; the stations send it again after reconnecting.
        foreach ((_, TaskCompletionSource done) in batch)
        {
            done.TrySetCanceled(stoppingToken);
        }
    }

    private async Task FlushAsync(List<(ReceivedMessage Message, TaskCompletionSource Done)> batch, CancellationToken stoppingToken)
    {
        // While the spool is full the PUBACKs wait: the stations slow down.
        IReadOnlyList<DeadLetter> letters = await processor.ProcessUntilDurableAsync(batch.Select(b => b.Message).ToList(), connection.Value.ReconnectDelay, stoppingToken).ConfigureAwait(false);
        foreach (DeadLetter letter in letters)
        {
            await broker.PublishOutputAsync(letter.OutputTopic, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(letter), stoppingToken).ConfigureAwait(false);
        }

        foreach ((_, TaskCompletionSource done) in batch)
        {
            done.TrySetResult();
        }
    }
}
