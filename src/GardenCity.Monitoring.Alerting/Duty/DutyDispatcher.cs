using System.Threading.Channels;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Alerting.Duty.Exceptions;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Core.Alerts;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace GardenCity.Monitoring.Alerting.Duty;

/// <summary>
/// Delivers duty-room messages. Each channel has its own queue, worker and named Polly pipeline, so a dead channel never
/// delays another. Deliveries live in the shared durable <see cref="Outbox"/> under the key
/// <c>duty:{channel}:{recipient}</c> from before the alert state is saved until they are sent, refused or given up, so
/// nothing is lost across a restart. Per channel they go out in order. Every status is recorded in the
/// <see cref="DutyDeliveryLog"/>, logged, counted, and handed to <c>onFinal</c> (the alert history) when final.
/// </summary>
public sealed class DutyDispatcher : IAsyncDisposable
{
    /// <summary>Prefix of the outbox keys of duty deliveries.</summary>
    public const string OutboxPrefix = "duty:";

    private readonly Dictionary<string, Worker> _workers;
    private readonly DutyRouter _router;
    private readonly Outbox _outbox;
    private readonly DutyDeliveryLog _log;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AlertingMetrics _metrics;
    private readonly Action<DutyDeliveryRecord> _onFinal;
    private readonly Func<string, string, int, AlertNotification, DutyDelivery?>? _escalated;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Starts one worker per channel; <paramref name="escalated"/> rebuilds the deliveries of escalation tiers (outbox keys ending <c>:t{tier}</c>).</summary>
    public DutyDispatcher(IEnumerable<IDutyChannel> channels, Func<string, ResiliencePipeline> pipelines, DutyRouter router, Outbox outbox,
        DutyDeliveryLog log, TimeProvider time, ILogger logger, AlertingMetrics metrics, Action<DutyDeliveryRecord>? onFinal = null,
        Func<string, string, int, AlertNotification, DutyDelivery?>? escalated = null)
    {
        _escalated = escalated;
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(pipelines);
        (_router, _outbox, _log, _time, _logger, _metrics) = (router, outbox, log, time, logger, metrics);
        _onFinal = onFinal ?? (_ => { });
        _workers = channels.ToDictionary(
            c => c.Options.Name,
            c => new Worker(c, pipelines(DutyResilience.PipelineName(c.Options.Name)), Channel.CreateUnbounded<DutyDelivery>(new UnboundedChannelOptions { SingleReader = true })),
            StringComparer.Ordinal);
        foreach (Worker worker in _workers.Values)
        {
            worker.Task = Task.Run(() => RunAsync(worker));
        }
    }

    /// <summary>Groups deliveries of one watershed or site (docs/duty-room.md, "Grouping"); null: each goes out alone.</summary>
    internal Grouping.DutyGrouper? Grouper { get; set; }

    /// <summary>The outbox key of a delivery.</summary>
    public static string OutboxKey(DutyDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery.Tier > 1 ? $"{OutboxPrefix}{delivery.Channel}:{delivery.Recipient}:t{delivery.Tier}" : $"{OutboxPrefix}{delivery.Channel}:{delivery.Recipient}";
    }

    /// <summary>The outbox keys of the deliveries a notification makes.</summary>
    public IEnumerable<string> OutboxKeysFor(AlertNotification notification) => _router.Route(notification).Select(OutboxKey);

    /// <summary>
    /// Queues a delivery already in the outbox; never blocks. One whose channel or route is gone (the configuration
    /// changed across a restart) is given up at once, with that reason.
    /// </summary>
    public void Enqueue(string outboxKey, AlertNotification notification)
    {
        ArgumentNullException.ThrowIfNull(outboxKey);
        ArgumentNullException.ThrowIfNull(notification);
        string[] parts = outboxKey[OutboxPrefix.Length..].Split(':', 3);
        string channel = parts[0], recipient = parts.Length > 1 ? parts[1] : DutyDelivery.Group;
        int tier = parts.Length > 2 && parts[2].StartsWith('t') && int.TryParse(parts[2].AsSpan(1), System.Globalization.CultureInfo.InvariantCulture, out int t) ? t : 1;
        DutyDelivery? delivery = !_workers.ContainsKey(channel) ? null
            : tier > 1 ? _escalated?.Invoke(channel, recipient, tier, notification)
            : _router.Find(channel, recipient, notification);
        if (delivery is null)
        {
            Finish(new DutyDelivery(channel, recipient, notification, null, [], tier), DutyDeliveryStatus.GaveUp, 0, tier > 1 ? "this escalation tier's channel or recipient is no longer configured" : "no longer routed to this channel and recipient by the configuration", outboxKey);
            return;
        }

        if (Grouper?.Hold(delivery) == true)
        {
            return; // sent with its group when the window ends (Send)
        }

        Send(delivery);
    }

    /// <summary>Queues a delivery (alone or grouped) for its channel's worker.</summary>
    internal void Send(DutyDelivery delivery) => _workers[delivery.Channel].Queue.Writer.TryWrite(delivery);

    /// <summary>
    /// Delivers one item until it is sent, refused or given up: each round runs the channel's pipeline (retries inside);
    /// a failed round waits <see cref="DutyChannelOptions.RoundInterval"/> (or the open circuit's or the receiver's
    /// longer wait) and tries again. One iteration of a worker, exposed for tests.
    /// </summary>
    internal async Task<DutyDeliveryStatus> DeliverAsync(IDutyChannel channel, ResiliencePipeline pipeline, DutyDelivery delivery, CancellationToken stop)
    {
        DutyChannelOptions o = channel.Options;
        DateTimeOffset first = _time.GetUtcNow();
        for (int round = 1; ; round++)
        {
            string reason;
            TimeSpan wait = o.RoundInterval;
            try
            {
                await pipeline.ExecuteAsync(async ct => await channel.SendAsync(delivery, ct).ConfigureAwait(false), stop).ConfigureAwait(false);
                Finish(delivery, DutyDeliveryStatus.Sent, round, null, OutboxKey(delivery));
                return DutyDeliveryStatus.Sent;
            }
            catch (DutyDeliveryException ex) when (!ex.Transient)
            {
                Finish(delivery, DutyDeliveryStatus.Failed, round, ex.Message, OutboxKey(delivery));
                return DutyDeliveryStatus.Failed;
            }
            catch (DutyDeliveryException ex)
            {
                reason = ex.Message;
                if (ex.RetryAfter is { } after && after > wait)
                {
                    wait = after;
                }
            }
            catch (TimeoutRejectedException)
            {
                reason = $"no answer within {o.AttemptTimeout}";
            }
            catch (HttpRequestException ex)
            {
                reason = ex.Message;
            }
            catch (BrokenCircuitException ex)
            {
                reason = "circuit open after repeated failures";
                wait = ex.RetryAfter is { } open && open > TimeSpan.Zero ? open : o.BreakerDuration;
            }

            _metrics.DutyAttemptFailed(delivery.Channel);
            if (_time.GetUtcNow() - first >= o.GiveUpAfter)
            {
                Finish(delivery, DutyDeliveryStatus.GaveUp, round, reason, OutboxKey(delivery));
                return DutyDeliveryStatus.GaveUp;
            }

            Record(delivery, DutyDeliveryStatus.Retrying, round, reason);
            Log.DutyRetrying(_logger, delivery.Channel, delivery.Recipient, delivery.Notification.NotificationId, round, wait, reason);
            await Task.Delay(wait, _time, stop).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Grouper?.Dispose();
        foreach (Worker worker in _workers.Values)
        {
            worker.Queue.Writer.TryComplete();
        }

        // A moment for what is queued; the rest stays in the outbox for the next start.
        Task all = Task.WhenAll(_workers.Values.Select(w => w.Task ?? Task.CompletedTask));
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await all.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task RunAsync(Worker worker)
    {
        CancellationToken stop = _stop.Token;
        await foreach (DutyDelivery delivery in worker.Queue.Reader.ReadAllAsync(stop).ConfigureAwait(false))
        {
            await DeliverAsync(worker.Channel, worker.Pipeline, delivery, stop).ConfigureAwait(false);
        }
    }

    private List<DutyDeliveryRecord> Record(DutyDelivery d, DutyDeliveryStatus status, int attempts, string? reason)
    {
        // A grouped delivery is a delivery of each notification it lists.
        var records = d.Members.Select(n => new DutyDeliveryRecord(n.NotificationId, n.AlertId, d.Channel, d.Recipient, status, attempts, reason, _time.GetUtcNow(), d.Tier)).ToList();
        records.ForEach(_log.Record);
        _metrics.DutyDelivery(d.Channel, status);
        return records;
    }

    private void Finish(DutyDelivery d, DutyDeliveryStatus status, int attempts, string? reason, string outboxKey)
    {
        List<DutyDeliveryRecord> records = Record(d, status, attempts, reason);
        foreach (AlertNotification n in d.Members)
        {
            _outbox.Done(outboxKey, n.NotificationId);
        }

        switch (status)
        {
            case DutyDeliveryStatus.Sent:
                Log.DutySent(_logger, d.Channel, d.Recipient, d.Notification.NotificationId, attempts);
                break;
            case DutyDeliveryStatus.Failed:
                Log.DutyFailed(_logger, d.Channel, d.Recipient, d.Notification.NotificationId, reason ?? string.Empty);
                break;
            default:
                Log.DutyGaveUp(_logger, d.Channel, d.Recipient, d.Notification.NotificationId, attempts, reason ?? string.Empty);
                break;
        }

        records.ForEach(_onFinal);
    }

    private sealed record Worker(IDutyChannel Channel, ResiliencePipeline Pipeline, Channel<DutyDelivery> Queue)
    {
        public Task? Task { get; set; }
    }
}
