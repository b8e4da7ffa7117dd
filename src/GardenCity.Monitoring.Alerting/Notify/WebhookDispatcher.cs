using System.Net.Http.Headers;
using System.Threading.Channels;
using GardenCity.Monitoring.Alerting.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>
/// Delivers notifications to webhooks. Each endpoint has its own queue, worker and Polly pipeline (retry with jitter,
/// per-attempt timeout, circuit breaker), so a failing endpoint never delays another one or the engine. A notification
/// is retried until delivered; while a circuit is open it waits. Receivers get an <c>Idempotency-Key</c> header (the
/// notification id) and should ignore a repeat.
/// </summary>
public sealed class WebhookDispatcher : IAsyncDisposable
{
    private readonly List<Endpoint> _endpoints;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly AlertingMetrics _metrics;

    /// <summary>Creates the dispatcher and starts one worker per endpoint.</summary>
    public WebhookDispatcher(IOptions<AlertingOptions> options, IHttpClientFactory http, TimeProvider time, ILogger<WebhookDispatcher> logger, AlertingMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        AlertingOptions o = options.Value;
        _logger = logger;
        _metrics = metrics;
        _endpoints = o.Webhooks.Select(w => new Endpoint(w, Pipeline(o, time), Channel.CreateBounded<AlertNotification>(new BoundedChannelOptions(o.WebhookQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }, dropped => metrics.WebhookDropped(w.Name)))).ToList();
        foreach (Endpoint endpoint in _endpoints)
        {
            endpoint.Worker = Task.Run(() => DeliverAsync(endpoint, http.CreateClient("gardencity-webhooks"), time));
        }
    }

    /// <summary>Queues a notification for every endpoint of its audience; never blocks.</summary>
    public void Enqueue(AlertNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        foreach (Endpoint endpoint in _endpoints.Where(e => e.Config.Audience == notification.Audience))
        {
            endpoint.Queue.Writer.TryWrite(notification);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (Endpoint endpoint in _endpoints)
        {
            endpoint.Queue.Writer.TryComplete();
        }

        // Give queued notifications a moment to go out, then stop.
        Task all = Task.WhenAll(_endpoints.Select(e => e.Worker ?? Task.CompletedTask));
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
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
        var handled = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutRejectedException>();
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

    private async Task DeliverAsync(Endpoint endpoint, HttpClient client, TimeProvider time)
    {
        CancellationToken stop = _stop.Token;
        await foreach (AlertNotification notification in endpoint.Queue.Reader.ReadAllAsync(stop).ConfigureAwait(false))
        {
            byte[] body = notification.ToJson();
            while (true)
            {
                try
                {
                    await endpoint.Pipeline.ExecuteAsync(async ct =>
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Config.Url) { Content = new ByteArrayContent(body) };
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                        request.Headers.Add("Idempotency-Key", notification.NotificationId);
                        using HttpResponseMessage response = await client.SendAsync(request, ct).ConfigureAwait(false);
                        if (!response.IsSuccessStatusCode)
                        {
                            throw new HttpRequestException($"webhook answered {(int)response.StatusCode}", null, response.StatusCode);
                        }
                    }, stop).ConfigureAwait(false);
                    _metrics.WebhookDelivered(endpoint.Config.Name);
                    break;
                }
                catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException)
                {
                    _metrics.WebhookFailed(endpoint.Config.Name);
                    Log.WebhookFailed(_logger, ex, endpoint.Config.Name, notification.NotificationId);
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stop).ConfigureAwait(false);
                }
            }
        }
    }

    private sealed record Endpoint(WebhookEndpoint Config, ResiliencePipeline Pipeline, Channel<AlertNotification> Queue)
    {
        public Task? Worker { get; set; }
    }
}
