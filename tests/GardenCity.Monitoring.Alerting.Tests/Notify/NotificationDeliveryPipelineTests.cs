using System.Net;
using GardenCity.Monitoring.Alerting.Notify;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Timeout;

namespace GardenCity.Monitoring.Alerting.Tests.Notify;

/// <summary>
/// The <c>notification-delivery</c> pipeline on a <see cref="FakeTimeProvider"/>: transient failures get the quick
/// retries and then the once-a-second redelivery, which reports every failure; a receiver's Retry-After sets the wait;
/// refusals (400, 401, 403) are tried once.
/// </summary>
public sealed class NotificationDeliveryPipelineTests
{
    private static readonly AlertingOptions Options = new() { WebhookTimeout = TimeSpan.FromSeconds(2), WebhookRetries = 2 };

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task Execute_Refused_TriedOnceNeitherRetriedNorRedelivered(HttpStatusCode status)
    {
        // Issue 10, finding 5: a refusal used to be redelivered every second for ever, holding up every later
        // notification to the endpoint. The same request is refused again: it is tried once.
        var time = new FakeTimeProvider();
        var failures = new List<Exception>();
        ResiliencePipeline pipeline = NotificationDispatcher.BuildPipeline("webhook:test", Options, time, (ex, _) => failures.Add(ex));
        int attempts = 0;

        Task run = pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            return attempts < 3 ? throw new WebhookDeliveryException(status, retryAfter: null) : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilDoneAsync(time, run, swallow: true);

        var refused = await Assert.ThrowsAsync<WebhookDeliveryException>(() => run);
        Assert.Equal((1, status), (attempts, refused.StatusCode));
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Execute_NotFound_IsRedeliveredEverySecond()
    {
        var time = new FakeTimeProvider();
        var failures = new List<Exception>();
        ResiliencePipeline pipeline = NotificationDispatcher.BuildPipeline("webhook:test", Options, time, (ex, _) => failures.Add(ex));
        var attempts = new List<DateTimeOffset>();

        Task run = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(time.GetUtcNow());
            return attempts.Count < 3 ? throw new WebhookDeliveryException(HttpStatusCode.NotFound, retryAfter: null) : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilDoneAsync(time, run);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], attempts.Select(a => a - attempts[0]));
        Assert.Equal(2, failures.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, 3)]
    [InlineData(HttpStatusCode.ServiceUnavailable, 7)]
    public async Task Execute_ShortRetryAfter_TheQuickRetryWaitsWhatTheReceiverAsked(HttpStatusCode status, int seconds)
    {
        var time = new FakeTimeProvider();
        var failures = new List<Exception>();
        ResiliencePipeline pipeline = NotificationDispatcher.BuildPipeline("webhook:test", Options, time, (ex, _) => failures.Add(ex));
        var attempts = new List<DateTimeOffset>();

        Task run = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(time.GetUtcNow());
            return attempts.Count < 2 ? throw new WebhookDeliveryException(status, TimeSpan.FromSeconds(seconds)) : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilDoneAsync(time, run);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(seconds)], attempts.Select(a => a - attempts[0]));
        Assert.Empty(failures); // within the quick retries
    }

    [Theory]
    [InlineData(90, 90)]
    [InlineData(7200, 600)] // two hours asked: asked again after ten minutes (MaxRetryAfter)
    public async Task Execute_LongRetryAfter_NoQuickRetryTheRedeliveryWaitsIt(int seconds, int waited)
    {
        var time = new FakeTimeProvider();
        var failures = new List<Exception>();
        ResiliencePipeline pipeline = NotificationDispatcher.BuildPipeline("webhook:test", Options, time, (ex, _) => failures.Add(ex));
        var attempts = new List<DateTimeOffset>();

        Task run = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(time.GetUtcNow());
            return attempts.Count < 2 ? throw new WebhookDeliveryException(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(seconds)) : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilDoneAsync(time, run, step: TimeSpan.FromSeconds(1), steps: 2000);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(waited)], attempts.Select(a => a - attempts[0]));
        Assert.Single(failures); // the one redelivery
    }

    [Fact]
    public async Task Execute_ServerError_QuickRetriesBeforeTheRedelivery()
    {
        var time = new FakeTimeProvider();
        var failures = new List<Exception>();
        ResiliencePipeline pipeline = NotificationDispatcher.BuildPipeline("webhook:test", Options, time, (ex, _) => failures.Add(ex));
        int attempts = 0;

        Task run = pipeline.ExecuteAsync(_ =>
            ++attempts < 3 ? throw new HttpRequestException("busy", null, HttpStatusCode.ServiceUnavailable) : ValueTask.CompletedTask,
            TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilDoneAsync(time, run);

        Assert.Equal(3, attempts); // the first try and WebhookRetries = 2 quick retries
        Assert.Empty(failures); // delivered within the quick retries: no redelivery
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.BadGateway, true)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    [InlineData(HttpStatusCode.Forbidden, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    public void IsTransient_ByStatus(HttpStatusCode? status, bool transient) =>
        Assert.Equal(transient, NotificationDispatcher.IsTransient(new HttpRequestException("x", null, status)));

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, true)]
    [InlineData(HttpStatusCode.Unauthorized, true)]
    [InlineData(HttpStatusCode.Forbidden, true)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.TooManyRequests, false)]
    [InlineData(HttpStatusCode.ServiceUnavailable, false)]
    public void IsRefusal_OnlyTheAnswersThatWouldBeTheSameAgain(HttpStatusCode status, bool refusal) =>
        Assert.Equal(refusal, NotificationDispatcher.IsRefusal(new WebhookDeliveryException(status, retryAfter: null)));

    [Fact]
    public void IsTransient_TimeoutYes_BrokerRefusalNo()
    {
        Assert.True(NotificationDispatcher.IsTransient(new TimeoutRejectedException()));
        Assert.False(NotificationDispatcher.IsTransient(new InvalidOperationException("the broker refused")));
        Assert.True(NotificationDispatcher.IsEndpointFailure(new InvalidOperationException("the broker refused")));
    }

    private static async Task AdvanceUntilDoneAsync(FakeTimeProvider time, Task task, TimeSpan? step = null, int steps = 600, bool swallow = false)
    {
        for (int i = 0; i < steps && !task.IsCompleted; i++)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
            if (!task.IsCompleted)
            {
                time.Advance(step ?? TimeSpan.FromMilliseconds(100));
            }
        }

        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        }
        catch (HttpRequestException) when (swallow)
        {
            // the caller asserts on the failure
        }
    }
}
