using GardenCity.Monitoring.Core.Alerts;
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
/// Polly pipeline (retry with jitter, per-attempt timeout, circuit breaker), so a failing endpoint never delays another
/// one or the engine. Per endpoint, notifications go out in order; each is retried until delivered (while a circuit is
/// open it waits) and then marked done in the <see cref="Outbox"/>.
/// </summary>
public sealed class NotificationDispatcher : IAsyncDisposable
{
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
        _workers = endpoints.Select(e => new Worker(e, Pipeline(options, time), Channel.CreateUnbounded<AlertNotification>(new UnboundedChannelOptions { SingleReader = true }))).ToList();
        foreach (Worker worker in _workers)
        {
            worker.Task = Task.Run(() => DeliverAsync(worker));
        }
    }

    /// <summary>The endpoints that take a notification.</summary>
    public IEnumerable<string> EndpointsFor(AlertNotification notification) =>
        _workers.Where(w => w.Endpoint.Accepts(notification)).Select(w => w.Endpoint.Name);

    /// <summary>Queues a notification for one endpoint (already in the outbox); never blocks.</summary>
    public void Enqueue(string endpoint, AlertNotification notification)
    {
        foreach (Worker worker in _workers.Where(w => w.Endpoint.Name == endpoint))
        {
            worker.Queue.Writer.TryWrite(notification);
        }
    }

    /// <summary>Builds a webhook endpoint: POST of the notification JSON with an <c>Idempotency-Key</c> header.</summary>
    public static NotificationEndpoint Webhook(WebhookEndpoint config, HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(client);
        return new NotificationEndpoint("webhook:" + config.Name, n => n.Audience == config.Audience, async (n, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, config.Url) { Content = new ByteArrayContent(n.ToJson()) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add("Idempotency-Key", n.NotificationId);
            using HttpResponseMessage response = await client.SendAsync(request, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"webhook answered {(int)response.StatusCode}", null, response.StatusCode);
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
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(3))).ConfigureAwait(false);
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

    private static ResiliencePipeline Pipeline(AlertingOptions o, TimeProvider time)
    {
        var handled = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutRejectedException>().Handle<MQTTnet.Exceptions.MqttCommunicationException>().Handle<InvalidOperationException>();
        return new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = handled,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(10),
                MaxRetryAttempts = o.WebhookRetries,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = handled,
                FailureRatio = 0.5,
                MinimumThroughput = 5,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(15),
            })
            .AddTimeout(o.WebhookTimeout)
            .Build();
    }

    private async Task DeliverAsync(Worker worker)
    {
        CancellationToken stop = _stop.Token;
        string name = worker.Endpoint.Name;
        await foreach (AlertNotification notification in worker.Queue.Reader.ReadAllAsync(stop).ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    await worker.Pipeline.ExecuteAsync(async ct => await worker.Endpoint.Deliver(notification, ct).ConfigureAwait(false), stop).ConfigureAwait(false);
                    _outbox.Done(name, notification.NotificationId);
                    _metrics.Delivered(name);
                    break;
                }
                catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
                {
                    _metrics.DeliveryFailed(name);
                    Log.DeliveryFailed(_logger, ex, name, notification.NotificationId);
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, stop).ConfigureAwait(false);
                }
            }
        }
    }

    private sealed record Worker(NotificationEndpoint Endpoint, ResiliencePipeline Pipeline, Channel<AlertNotification> Queue)
    {
        public Task? Task { get; set; }
    }
}
