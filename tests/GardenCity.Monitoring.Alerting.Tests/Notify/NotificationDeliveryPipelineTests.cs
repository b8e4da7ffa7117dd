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

    /// <summary>
    /// Runs one delivery through the pipeline on a fake clock: attempt n (from 1) throws what <paramref name="outcome"/>
    /// gives for it, or succeeds on null. Returns when each attempt came (from the first), the failures the redelivery
    /// reported, and the delivery's own failure, if it failed.
    /// </summary>
    private static async Task<(TimeSpan[] Attempts, List<Exception> Failures, Exception? Failed)> DeliverAsync(Func<int, Exception?> outcome, TimeSpan? step = null, int steps = 600)
    {
        var time = new FakeTimeProvider();
        var failures = new List<Exception>();
        ResiliencePipeline pipeline = NotificationDispatcher.BuildPipeline("webhook:test", Options, time, (ex, _) => failures.Add(ex));
        var attempts = new List<DateTimeOffset>();

        Task run = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(time.GetUtcNow());
            return outcome(attempts.Count) is { } ex ? throw ex : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        Exception? failed = null;
        try
        {
            await AdvanceUntilDoneAsync(time, run, step, steps);
        }
        catch (HttpRequestException ex)
        {
            failed = ex;
        }

        return (attempts.Select(a => a - attempts[0]).ToArray(), failures, failed);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task Execute_Refused_TriedOnceNeitherRetriedNorRedelivered(HttpStatusCode status)
    {
        // Issue 10, finding 5: a refusal used to be redelivered every second for ever, holding up every later
        // notification to the endpoint. The same request is refused again: it is tried once.
        var (attempts, failures, failed) = await DeliverAsync(n => n < 3 ? new WebhookDeliveryException(status, retryAfter: null) : null);

        Assert.Equal([TimeSpan.Zero], attempts);
        Assert.Equal(status, Assert.IsType<WebhookDeliveryException>(failed).StatusCode);
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Execute_NotFound_IsRedeliveredEverySecond()
    {
        var (attempts, failures, failed) = await DeliverAsync(n => n < 3 ? new WebhookDeliveryException(HttpStatusCode.NotFound, retryAfter: null) : null);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], attempts);
        Assert.Equal(2, failures.Count);
        Assert.Null(failed);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, 3)]
    [InlineData(HttpStatusCode.ServiceUnavailable, 7)]
    public async Task Execute_ShortRetryAfter_TheQuickRetryWaitsWhatTheReceiverAsked(HttpStatusCode status, int seconds)
    {
        var (attempts, failures, failed) = await DeliverAsync(n => n < 2 ? new WebhookDeliveryException(status, TimeSpan.FromSeconds(seconds)) : null);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(seconds)], attempts);
        Assert.Empty(failures); // within the quick retries
        Assert.Null(failed);
    }

    [Theory]
    [InlineData(90, 90)]
    [InlineData(7200, 600)] // two hours asked: asked again after ten minutes (MaxRetryAfter)
    public async Task Execute_LongRetryAfter_NoQuickRetryTheRedeliveryWaitsIt(int seconds, int waited)
    {
        var (attempts, failures, failed) = await DeliverAsync(
            n => n < 2 ? new WebhookDeliveryException(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(seconds)) : null, TimeSpan.FromSeconds(1), steps: 2000);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(waited)], attempts);
        Assert.Single(failures); // the one redelivery
        Assert.Null(failed);
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

    private static async Task AdvanceUntilDoneAsync(FakeTimeProvider time, Task task, TimeSpan? step = null, int steps = 600)
    {
        for (int i = 0; i < steps && !task.IsCompleted; i++)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
            if (!task.IsCompleted)
            {
                time.Advance(step ?? TimeSpan.FromMilliseconds(100));
            }
        }

        await task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }
}
