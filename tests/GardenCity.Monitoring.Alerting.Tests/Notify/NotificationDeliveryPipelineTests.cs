using System.Net;
using GardenCity.Monitoring.Alerting.Notify;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Timeout;

namespace GardenCity.Monitoring.Alerting.Tests.Notify;

/// <summary>
/// The <c>notification-delivery</c> pipeline on a <see cref="FakeTimeProvider"/>: transient failures get the quick
/// retries, refusals (400, 401, 403) do not and wait for the once-a-second redelivery, which reports every failure.
/// </summary>
public sealed class NotificationDeliveryPipelineTests
{
    private static readonly AlertingOptions Options = new() { WebhookTimeout = TimeSpan.FromSeconds(2), WebhookRetries = 2 };

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task Execute_Refused_NoQuickRetryRedeliveredEverySecond(HttpStatusCode status)
    {
        var time = new FakeTimeProvider();
        var failures = new List<Exception>();
        ResiliencePipeline pipeline = NotificationDispatcher.BuildPipeline("webhook:test", Options, time, (ex, _) => failures.Add(ex));
        var attempts = new List<DateTimeOffset>();

        Task run = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(time.GetUtcNow());
            return attempts.Count < 3 ? throw new HttpRequestException("refused", null, status) : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilDoneAsync(time, run);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], attempts.Select(a => a - attempts[0]));
        Assert.Equal(2, failures.Count);
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

    [Fact]
    public void IsTransient_TimeoutYes_BrokerRefusalNo()
    {
        Assert.True(NotificationDispatcher.IsTransient(new TimeoutRejectedException()));
        Assert.False(NotificationDispatcher.IsTransient(new InvalidOperationException("the broker refused")));
        Assert.True(NotificationDispatcher.IsEndpointFailure(new InvalidOperationException("the broker refused")));
    }

    private static async Task AdvanceUntilDoneAsync(FakeTimeProvider time, Task task)
    {
        for (int step = 0; step < 600 && !task.IsCompleted; step++)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
            if (!task.IsCompleted)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }

        await task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }
}
