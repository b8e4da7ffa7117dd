using System.Diagnostics;
using System.Threading.Channels;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Messaging.Broker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Ingestion.Mqtt;

/// <summary>
/// Ingestion in the all-in-one mode (the embedded broker and the worker in one process): the broker hands each
/// station message to <see cref="TakeAsync"/> from its publish interception, which queues it and returns at once
/// (unless the queue is full); one batch loop makes the queued messages durable, batch after batch, and completes
/// their tasks in order; each station's PUBACK is held until then (the broker's DurabilityGate). So the broker reads
/// a station's next messages while the previous batch is being written, and a PUBACK still means "durable". When
/// InfluxDB is down and the spool full, the PUBACKs wait and the queue fills up, so stations slow down
/// (back-pressure) and keep their readings in their own store-and-forward.
/// </summary>
internal sealed class InterceptedIngestionService : BackgroundService, IPublishInterceptor
{
    private readonly IngestionBatchProcessor _processor;
    private readonly IngestionState _state;
    private readonly EmbeddedBrokerService _broker;
    private readonly Channel<(ReceivedMessage Message, TaskCompletionSource Done)> _queue;
    private readonly MessageBatcher<(ReceivedMessage Message, TaskCompletionSource Done)> _batcher;
    private readonly List<(ReceivedMessage Message, TaskCompletionSource Done)> _batch = [];
    private CancellationToken _stopping;

    public InterceptedIngestionService(
        IngestionBatchProcessor processor,
        IOptions<MqttIngestionOptions> options,
        IngestionState state,
        EmbeddedBrokerService broker,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _processor = processor;
        _state = state;
        _broker = broker;
        _queue = Channel.CreateBounded<(ReceivedMessage, TaskCompletionSource)>(new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true });

        // No lingering: see MessageBatcher for why the all-in-one mode never waits for more.
        _batcher = new(_queue.Reader, options.Value.BatchSize, TimeSpan.Zero, time);
    }

    public async ValueTask<Task> TakeAsync(string topic, ReadOnlyMemory<byte> payload, ActivityContext traceParent, CancellationToken cancellationToken)
    {
        // The broker passes no token of its own: then the worker's stopping token alone, without a linked source per message.
        using CancellationTokenSource? linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping) : null;
        CancellationToken token = linked?.Token ?? _stopping;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The message's trace starts here (a child of the station's traceparent, if any); it ends when it is durable,
        // which releases its PUBACK.
        Activity? activity = IngestionTracing.Source.HasListeners() ? IngestionTracing.StartMessage(topic, traceParent) : null;
        try
        {
            await _queue.Writer.WriteAsync((new ReceivedMessage(topic, payload, activity), done), token).ConfigureAwait(false); // the payload is handed over (IPublishInterceptor)
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            IngestionTracing.Abandon(activity);
            throw new OperationCanceledException("The ingestion worker is stopping; the message was not taken.", ex, token);
        }

        return activity is null ? done.Task : EndTraceWhenDurableAsync(done.Task, activity);
    }

    private static async Task EndTraceWhenDurableAsync(Task durable, Activity activity)
    {
        try
        {
            await durable.ConfigureAwait(false);
            IngestionTracing.EndMessage(activity, acknowledged: true);
        }
        catch (OperationCanceledException)
        {
            IngestionTracing.Abandon(activity);
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        await _processor.InitializeStoreAsync(stoppingToken).ConfigureAwait(false);

        _state.SetSubscribed(true);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!await IngestNextBatchAsync(stoppingToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        finally
        {
            // Stopping (or failing): what is not durable is never acknowledged; the stations send it again after
            // reconnecting. Their connections are closed unanswered (DurabilityGate).
            _queue.Writer.TryComplete();
            foreach ((_, TaskCompletionSource done) in _batch)
            {
                done.TrySetCanceled(stoppingToken);
            }

            while (_queue.Reader.TryRead(out (ReceivedMessage Message, TaskCompletionSource Done) queued))
            {
                queued.Done.TrySetCanceled(stoppingToken);
            }
        }
    }

    /// <summary>
    /// One turn of the batch loop: waits for a batch (<see cref="MessageBatcher{T}"/> with no lingering: every station
    /// waits for its PUBACK, so a batch is what has queued up meanwhile, and under load it grows by itself), makes it
    /// durable and releases the PUBACKs. False when the queue is completed.
    /// </summary>
    internal async Task<bool> IngestNextBatchAsync(CancellationToken stoppingToken)
    {
        if (!await _batcher.FillAsync(_batch, stoppingToken).ConfigureAwait(false))
        {
            return false;
        }

        await FlushAsync(_batch, stoppingToken).ConfigureAwait(false);
        _batch.Clear();
        return true;
    }

    private async Task FlushAsync(List<(ReceivedMessage Message, TaskCompletionSource Done)> batch, CancellationToken stoppingToken)
    {
        // While the spool is full the PUBACKs wait: the stations slow down.
        IReadOnlyList<DeadLetter> letters = await _processor.ProcessUntilDurableAsync(batch.Select(b => b.Message).ToList(), stoppingToken).ConfigureAwait(false);
        foreach (DeadLetter letter in letters)
        {
            await _broker.PublishOutputAsync(letter.OutputTopic, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(letter), stoppingToken).ConfigureAwait(false);
        }

        foreach ((_, TaskCompletionSource done) in batch)
        {
            done.TrySetResult();
        }
    }
}
