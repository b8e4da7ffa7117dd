using System.Diagnostics;
using GardenCity.Monitoring.Core.Alerts;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>Where notifications go: a name, the audiences it takes, and how one is delivered (throws when not accepted).</summary>
public sealed record NotificationEndpoint(string Name, Func<AlertNotification, bool> Accepts, Func<AlertNotification, CancellationToken, Task> Deliver);

/// <summary>
/// Delivers notifications to endpoints (webhooks, the MQTT alert topics). Each endpoint has its own queue, worker and
/// instance of the <c>notification-delivery</c> pipeline (<see cref="BuildPipeline"/>: redelivery every second or after
/// the receiver's Retry-After, a quick retry of transient failures, circuit breaker, per-attempt timeout), so a failing
/// endpoint never delays another one or the engine. Per endpoint, notifications go out in order; each is tried until
/// delivered (while a circuit is open it waits) or refused (400, 401, 403: never sent again, logged as an error) and
/// then marked done in the <see cref="Outbox"/>.
/// </summary>
public sealed class NotificationDispatcher : IAsyncDisposable
{
    /// <summary>Name of the delivery pipeline; each endpoint has its own instance (named after the endpoint).</summary>
    public const string PipelineName = "notification-delivery";

    /// <summary>The wait before a notification the endpoint did not take is delivered again.</summary>
    internal static readonly TimeSpan RedeliveryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest back-off of the quick retries; a longer Retry-After ends them and the redelivery waits it out.</summary>
    internal static readonly TimeSpan QuickRetryMaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait a Retry-After may impose on a redelivery (a receiver asking for hours is asked again after this).</summary>
    internal static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    private static readonly ResiliencePropertyKey<string> NotificationIdKey = new("gardencity.notification-id");
    private static readonly ResiliencePropertyKey<bool> WarmUpKey = new("gardencity.warm-up");
    private readonly List<Worker> _workers;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly AlertingMetrics _metrics;
    private readonly Outbox _outbox;
    private readonly TimeProvider _time;

    /// <summary>Starts one worker per endpoint.</summary>
    public NotificationDispatcher(IEnumerable<NotificationEndpoint> endpoints, Outbox outbox, AlertingOptions options, TimeProvider time, ILogger logger, AlertingMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _metrics = metrics;
        _outbox = outbox;
        _time = time;
        _workers = endpoints.Select(e => new Worker(e, BuildPipeline(e.Name, options, time, (ex, id) =>
        {
            _metrics.DeliveryFailed(e.Name);
            Log.DeliveryFailed(_logger, ex, e.Name, id);
        }), Channel.CreateUnbounded<AlertNotification>(new UnboundedChannelOptions { SingleReader = true }))).ToList();
        foreach (Worker worker in _workers)
        {
            worker.Task = Task.Run(() => DeliverAsync(worker));
        }
    }

    /// <summary>The endpoints that take a notification.</summary>
    public IEnumerable<string> EndpointsFor(AlertNotification notification) =>
        _workers.Where(w => w.Endpoint.Accepts(notification)).Select(w => w.Endpoint.Name);

    /// <summary>
    /// Takes <paramref name="specimen"/> through each endpoint's resilience pipeline without delivering it (the call
    /// only yields), so that the first real delivery finds that code compiled (docs/alerting.md, "The first alert after
    /// a start"). Returns once the pipeline has run: no waiting, nothing sent.
    /// </summary>
    public void WarmUp(AlertNotification specimen)
    {
        foreach (Worker worker in _workers)
        {
            ResilienceContext context = ResilienceContextPool.Shared.Get(CancellationToken.None);
            context.Properties.Set(WarmUpKey, true); // no redelivery: never waits, even when the endpoint's circuit is open
            try
            {
                // The call yields, so that every strategy's asynchronous code runs as it does when a delivery waits for the
                // network (its first suspension compiled 50–80 methods during the first real delivery).
                worker.Pipeline.ExecuteAsync(static async (_, _) => await Task.Yield(), context, (worker.Endpoint, Notification: specimen)).AsTask().GetAwaiter().GetResult();
            }
            catch (BrokenCircuitException)
            {
                // Open (the outbox's replay failed before this): what it passed through is compiled all the same.
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
    }

    /// <summary>Queues a notification for one endpoint (already in the outbox); never blocks.</summary>
    public void Enqueue(string endpoint, AlertNotification notification)
    {
        foreach (Worker worker in _workers.Where(w => w.Endpoint.Name == endpoint))
        {
            worker.Queue.Writer.TryWrite(notification);
        }
    }

    /// <summary>
    /// Builds a webhook endpoint: POST of the notification JSON with an <c>Idempotency-Key</c> header. An answer other
    /// than success throws <see cref="WebhookDeliveryException"/> with its status and Retry-After (read on <paramref name="time"/>).
    /// </summary>
    public static NotificationEndpoint Webhook(WebhookEndpoint config, HttpClient client, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        return new NotificationEndpoint("webhook:" + config.Name, n => n.Audience == config.Audience, async (n, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, config.Url) { Content = new ByteArrayContent(n.ToJson()) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add("Idempotency-Key", n.NotificationId);
            using HttpResponseMessage response = await client.SendAsync(request, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new WebhookDeliveryException(response.StatusCode, RetryAfterHeader.Of(response, time));
            }
        });
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (Worker worker in _workers)
        {
            worker.Queue.Writer.TryComplete();
        }

        // Give queued notifications a moment to go out; what is left stays in the outbox for the next start.
        Task all = Task.WhenAll(_workers.Select(w => w.Task ?? Task.CompletedTask));
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(3), _time)).ConfigureAwait(false);
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

    /// <summary>
    /// The <c>notification-delivery</c> pipeline of one endpoint (one instance each, so each has its own circuit),
    /// outermost first, on <paramref name="time"/> (the DI <see cref="TimeProvider"/>):
    /// <list type="number">
    /// <item>Redelivery: the outbox owes the notification, so any failure of the endpoint (<see cref="IsEndpointFailure"/>,
    /// or an open circuit) but a refusal (<see cref="IsRefusal"/>: 400, 401, 403, which would be refused again) waits
    /// <see cref="RedeliveryDelay"/>, or the receiver's Retry-After when it is longer (at most <see cref="MaxRetryAfter"/>),
    /// and tries again, for as long as it takes; each such failure is reported to <paramref name="failed"/> (with the
    /// notification id) before the wait.</item>
    /// <item>A quick retry (<c>WebhookRetries</c>, jittered back-off from 200 ms to 10 s, or the receiver's Retry-After
    /// when it gives one) of transient failures only (<see cref="IsTransient"/>: no answer, a timed-out attempt, 408, 429,
    /// 5xx, an MQTT connection problem), never of a refusal (400, 401, 403, a broker's "not authorized"); a Retry-After
    /// longer than 10 s ends the quick retries and the redelivery waits it out.</item>
    /// <item>A circuit breaker over every endpoint failure but a refusal (opens at 50 % over at least 5 calls in 30 s, for 15 s).</item>
    /// <item>A per-attempt timeout (<c>WebhookTimeout</c>).</item>
    /// </list>
    /// </summary>
    internal static ResiliencePipeline BuildPipeline(string endpoint, AlertingOptions o, TimeProvider time, Action<Exception, string> failed)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(failed);
        return new ResiliencePipelineBuilder { Name = PipelineName, InstanceName = endpoint, TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = static args => new ValueTask<bool>(args.Outcome.Exception is { } ex
                    && !args.Context.CancellationToken.IsCancellationRequested
                    && !args.Context.Properties.TryGetValue(WarmUpKey, out _)
                    && (ex is BrokenCircuitException || (IsEndpointFailure(ex) && !IsRefusal(ex)))),
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                Delay = RedeliveryDelay,
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = static args => ValueTask.FromResult<TimeSpan?>(
                    RetryAfterOf(args.Outcome.Exception) is { } after && after > RedeliveryDelay ? Min(after, MaxRetryAfter) : null),
                OnRetry = args =>
                {
                    failed(args.Outcome.Exception!, args.Context.Properties.GetValue(NotificationIdKey, string.Empty));
                    return ValueTask.CompletedTask;
                },
            })
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => IsTransient(ex) && !(RetryAfterOf(ex) > QuickRetryMaxDelay)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = QuickRetryMaxDelay,
                MaxRetryAttempts = o.WebhookRetries,
                // The receiver's own wait wins over the back-off (429 / 503 with Retry-After).
                DelayGenerator = static args => ValueTask.FromResult(RetryAfterOf(args.Outcome.Exception)),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => IsEndpointFailure(ex) && !IsRefusal(ex)),
                FailureRatio = 0.5,
                MinimumThroughput = 5,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(15),
            })
            .AddTimeout(o.WebhookTimeout)
            .Build();
    }

    /// <summary>Whether a failed delivery may succeed if tried again at once: no answer, a timed-out attempt, 408, 429, 5xx, or an MQTT connection problem.</summary>
    internal static bool IsTransient(Exception exception) => exception switch
    {
        HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } => true,
        TimeoutRejectedException or MQTTnet.Exceptions.MqttCommunicationException => true,
        _ => false,
    };

    /// <summary>Whether the endpoint refused the notification in a way that sending it again cannot change: 400, 401, 403.</summary>
    internal static bool IsRefusal(Exception exception) =>
        exception is HttpRequestException { StatusCode: HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden };

    /// <summary>Whether the endpoint failed to take a notification (transient or refused), as opposed to a bug.</summary>
    internal static bool IsEndpointFailure(Exception exception) =>
        exception is HttpRequestException or TimeoutRejectedException or MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException;

    private static TimeSpan? RetryAfterOf(Exception? exception) => exception is WebhookDeliveryException { RetryAfter: { } after } ? after : null;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private async Task DeliverAsync(Worker worker)
    {
        CancellationToken stop = _stop.Token;
        string name = worker.Endpoint.Name;
        await foreach (AlertNotification notification in worker.Queue.Reader.ReadAllAsync(stop).ConfigureAwait(false))
        {
            ResilienceContext context = ResilienceContextPool.Shared.Get(stop);
            context.Properties.Set(NotificationIdKey, notification.NotificationId);
            using Activity? activity = AlertingTracing.StartDelivery(name, notification);
            try
            {
                await worker.Pipeline.ExecuteAsync(
                    static async (ctx, state) => await state.Endpoint.Deliver(state.Notification, ctx.CancellationToken).ConfigureAwait(false),
                    context,
                    (worker.Endpoint, Notification: notification)).ConfigureAwait(false);
                _metrics.Delivered(name);
                activity?.SetTag("gardencity.outcome", "delivered");
            }
            catch (HttpRequestException ex) when (IsRefusal(ex))
            {
                // Refused: the same request would be refused again, and the notifications behind it must not wait forever.
                activity?.SetTag("gardencity.outcome", "refused");
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                _metrics.Refused(name);
                Log.DeliveryRefused(_logger, name, notification.NotificationId, (int)ex.StatusCode!.Value, notification.AlertId);
            }
            catch (Exception ex) when (activity is not null)
            {
                activity.SetTag("gardencity.outcome", "failed"); // e.g. stopping: the outbox delivers it after the restart
                activity.SetStatus(ActivityStatusCode.Error, ex.Message);
                throw;
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }

            try
            {
                _outbox.Done(name, notification.NotificationId);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Delivered: a lost mark costs one repeat after a restart. The loop must go on (it died here, and every
                // later notification of the endpoint waited in the outbox until the next start).
                Log.OutboxMarkFailed(_logger, name, notification.NotificationId, ex.Message);
            }
        }
    }

    private sealed record Worker(NotificationEndpoint Endpoint, ResiliencePipeline Pipeline, Channel<AlertNotification> Queue)
    {
        public Task? Task { get; set; }
    }
}
