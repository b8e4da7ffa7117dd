using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;

namespace GardenCity.Monitoring.Ingestion.Tests;

/// <summary>
/// The <c>spool-full</c> and <c>spool-replay</c> pipelines as DI builds them, on the harness's <c>FakeTimeProvider</c>:
/// which failures they wait out, which they let through at once, and how long they wait.
/// </summary>
public sealed class IngestionResilienceTests : IDisposable
{
    private readonly IngestionHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task SpoolFull_SpoolFullException_TriedAgainEveryReconnectDelayAndLogged()
    {
        ResiliencePipeline pipeline = Pipeline(IngestionResilience.SpoolFullPipeline);
        var attempts = new List<DateTimeOffset>();

        Task run = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(_h.Time.GetUtcNow());
            return attempts.Count < 3 ? throw new SpoolFullException() : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        for (int i = 0; i < 2; i++)
        {
            await IngestionHarness.UntilAsync(() => attempts.Count == i + 1);
            _h.Time.Advance(TimeSpan.FromMilliseconds(999));
            await IngestionHarness.StillWaitingAsync(run);
            _h.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], attempts.Select(a => a - attempts[0]));
        Assert.Equal(2, _h.Messages<IngestionBatchProcessor>().Count(m => m.EndsWith("retrying in 00:00:01", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SpoolFull_AnythingElse_NotRetried()
    {
        ResiliencePipeline pipeline = Pipeline(IngestionResilience.SpoolFullPipeline);
        foreach (Exception failure in new Exception[] { new InfluxWriteException("bad data", 400), new IOException("disk"), new InvalidOperationException() })
        {
            int attempts = 0;

            Exception thrown = await Assert.ThrowsAnyAsync<Exception>(async () => await pipeline.ExecuteAsync(_ =>
            {
                attempts++;
                throw failure;
            }, TestContext.Current.CancellationToken));

            Assert.Same(failure, thrown);
            Assert.Equal(1, attempts);
        }
    }

    [Fact]
    public async Task SpoolReplay_InfluxUnavailable_Waits400MsDoublingTo5s()
    {
        ResiliencePipeline pipeline = Pipeline(IngestionResilience.SpoolReplayPipeline);
        var attempts = new List<DateTimeOffset>();

        Task run = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(_h.Time.GetUtcNow());
            return attempts.Count < 8 ? throw new InfluxWriteException("connection refused", statusCode: null) : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        for (int step = 0; step < 1000 && !run.IsCompleted; step++)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
            if (!run.IsCompleted)
            {
                _h.Time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }

        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        double[] waits = [.. attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalMilliseconds)];
        double[] expected = [400, 800, 1600, 3200, 5000, 5000, 5000];
        Assert.Equal(expected.Length, waits.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.InRange(waits[i], expected[i], expected[i] + 100); // fake time moves in 100 ms steps
        }

        Assert.Equal(7, _h.Messages<SpoolReplayService>().Count(m => m.StartsWith("Spool replay waits for InfluxDB", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(503)]
    [InlineData(401)]
    public async Task SpoolReplay_UnavailableOrCredentialsRefused_WaitedOut(int status)
    {
        ResiliencePipeline pipeline = Pipeline(IngestionResilience.SpoolReplayPipeline);
        int attempts = 0;

        Task run = pipeline.ExecuteAsync(_ => ++attempts == 1 ? throw new InfluxWriteException("x", status) : ValueTask.CompletedTask, TestContext.Current.CancellationToken).AsTask();
        await IngestionHarness.UntilAsync(() => attempts == 1);
        _h.Time.Advance(IngestionResilience.ReplayFirstDelay);

        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task SpoolReplay_OpenCircuit_WaitedOut()
    {
        ResiliencePipeline pipeline = Pipeline(IngestionResilience.SpoolReplayPipeline);
        int attempts = 0;

        Task run = pipeline.ExecuteAsync(_ => ++attempts == 1 ? throw new BrokenCircuitException() : ValueTask.CompletedTask, TestContext.Current.CancellationToken).AsTask();
        await IngestionHarness.UntilAsync(() => attempts == 1);
        _h.Time.Advance(IngestionResilience.ReplayFirstDelay);

        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task SpoolReplay_BadDataOrAnUnexpectedError_NotRetried()
    {
        ResiliencePipeline pipeline = Pipeline(IngestionResilience.SpoolReplayPipeline);
        foreach (Exception failure in new Exception[] { new InfluxWriteException("field type conflict", 400), new InfluxWriteException("too large", 413), new IOException("disk") })
        {
            int attempts = 0;

            Exception thrown = await Assert.ThrowsAnyAsync<Exception>(async () => await pipeline.ExecuteAsync(_ =>
            {
                attempts++;
                throw failure;
            }, TestContext.Current.CancellationToken));

            Assert.Same(failure, thrown);
            Assert.Equal(1, attempts);
        }
    }

    private ResiliencePipeline Pipeline(string name) =>
        _h.Services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(name);
}
