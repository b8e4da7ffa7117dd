using GardenCity.Monitoring.Messaging.Client;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Exceptions;
using Polly;

namespace GardenCity.Monitoring.Messaging.Tests.Client;

/// <summary>The <c>mqtt-reconnect</c> pipeline on a <see cref="FakeTimeProvider"/>: back-off 1 s doubling to the cap, transient failures only, never the worker's own stop.</summary>
public sealed class MqttReconnectPipelineTests
{
    [Fact]
    public async Task Execute_BrokerUnreachable_WaitsReconnectDelayDoublingToTheCapAndReportsEachDelay()
    {
        var time = new FakeTimeProvider();
        var reported = new List<TimeSpan>();
        ResiliencePipeline pipeline = MqttSubscription.BuildReconnectPipeline(new ResiliencePipelineBuilder { TimeProvider = time },
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), (_, delay) => reported.Add(delay));
        var attempts = new List<DateTimeOffset>();

        Task run = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(time.GetUtcNow());
            return attempts.Count < 8 ? throw new MqttCommunicationException("connection refused") : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        for (int step = 0; step < 2000 && !run.IsCompleted; step++)
        {
            await Task.Delay(2, TestContext.Current.CancellationToken);
            if (!run.IsCompleted)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }

        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        int[] expected = [1, 2, 4, 8, 16, 30, 30];
        Assert.Equal(expected.Select(s => TimeSpan.FromSeconds(s)), reported);
        double[] waits = [.. attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds)];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.InRange(waits[i], expected[i], expected[i] + 0.1);
        }
    }

    [Fact]
    public async Task Execute_NotTransient_NotRetried()
    {
        ResiliencePipeline pipeline = MqttSubscription.BuildReconnectPipeline(new ResiliencePipelineBuilder { TimeProvider = new FakeTimeProvider() },
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), (_, _) => Assert.Fail("no retry expected"));
        int attempts = 0;

        await Assert.ThrowsAsync<ArgumentException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new ArgumentException("a bug");
        }, TestContext.Current.CancellationToken));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Execute_WorkerStopping_NotRetried()
    {
        using var stopping = new CancellationTokenSource();
        ResiliencePipeline pipeline = MqttSubscription.BuildReconnectPipeline(new ResiliencePipelineBuilder { TimeProvider = new FakeTimeProvider() },
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), (_, _) => Assert.Fail("no retry expected"));
        int attempts = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipeline.ExecuteAsync(ct =>
        {
            attempts++;
            stopping.Cancel();
            ct.ThrowIfCancellationRequested();
            return ValueTask.CompletedTask;
        }, stopping.Token));

        Assert.Equal(1, attempts);
    }

    [Theory]
    [InlineData(typeof(MqttCommunicationException), true)]
    [InlineData(typeof(System.Net.Sockets.SocketException), true)]
    [InlineData(typeof(InvalidOperationException), true)]
    [InlineData(typeof(OperationCanceledException), true)]
    [InlineData(typeof(ArgumentException), false)]
    [InlineData(typeof(NullReferenceException), false)]
    public void IsTransient_ByType(Type type, bool transient)
    {
        Exception exception = type == typeof(MqttCommunicationException) ? new MqttCommunicationException("dropped") : (Exception)Activator.CreateInstance(type)!;

        Assert.Equal(transient, MqttSubscription.IsTransient(exception));
    }
}
