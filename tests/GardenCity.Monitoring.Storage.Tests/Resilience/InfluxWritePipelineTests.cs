using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;

namespace GardenCity.Monitoring.Storage.Tests.Resilience;

/// <summary>
/// The <c>influx-write</c> pipeline driven by a <see cref="FakeTimeProvider"/>: a hanging InfluxDB is given up on within
/// <see cref="InfluxOptions.SpoolAfter"/> (so the batch is spooled and acknowledged in seconds), the breaker opens on slow
/// calls, Retry-After is honoured, and 400/401/403 are never retried.
/// </summary>
public sealed class InfluxWritePipelineTests
{
    private static readonly InfluxOptions Options = new() { WriteTimeout = TimeSpan.FromSeconds(2), SpoolAfter = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Execute_InfluxHangs_GivesUpWithinSpoolAfter()
    {
        var time = new FakeTimeProvider();
        ResiliencePipeline pipeline = Build(time, Options);
        DateTimeOffset start = time.GetUtcNow();

        Task write = pipeline.ExecuteAsync(static async ct => await Task.Delay(Timeout.Infinite, ct), TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilDoneAsync(time, write, TimeSpan.FromSeconds(30));

        await Assert.ThrowsAnyAsync<Exception>(() => write);
        Assert.True(InfluxWritePolicy.IsUnavailable(write.Exception!.InnerException!), write.Exception.InnerException!.GetType().Name);
        Assert.InRange(time.GetUtcNow() - start, TimeSpan.FromSeconds(2), Options.SpoolAfter + TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Execute_InfluxHangsTwice_CircuitOpensAndTheNextBatchFailsAtOnce()
    {
        var time = new FakeTimeProvider();
        ResiliencePipeline pipeline = Build(time, Options);
        for (int i = 0; i < 2; i++)
        {
            Task hanging = pipeline.ExecuteAsync(static async ct => await Task.Delay(Timeout.Infinite, ct), TestContext.Current.CancellationToken).AsTask();
            await AdvanceUntilDoneAsync(time, hanging, TimeSpan.FromSeconds(30));
            await Assert.ThrowsAnyAsync<Exception>(() => hanging);
        }

        int attempts = 0;
        await Assert.ThrowsAsync<BrokenCircuitException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            return ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken));
        Assert.Equal(0, attempts);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(413)]
    public async Task Execute_RefusedWithStatus_NotRetried(int status)
    {
        ResiliencePipeline pipeline = Build(new FakeTimeProvider(), Options);
        int attempts = 0;

        var ex = await Assert.ThrowsAsync<InfluxWriteException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new InfluxWriteException("refused", status);
        }, TestContext.Current.CancellationToken));

        Assert.Equal(status, ex.StatusCode);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Execute_TooManyRequestsWithRetryAfter_WaitsWhatTheServerAsks()
    {
        var time = new FakeTimeProvider();
        ResiliencePipeline pipeline = Build(time, new InfluxOptions { WriteTimeout = TimeSpan.FromSeconds(2), SpoolAfter = TimeSpan.FromSeconds(20) });
        var attempts = new List<DateTimeOffset>();

        Task write = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(time.GetUtcNow());
            return attempts.Count == 1
                ? throw new InfluxWriteException("busy", 429) { RetryAfter = TimeSpan.FromSeconds(7) }
                : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilDoneAsync(time, write, TimeSpan.FromSeconds(30));
        await write;

        Assert.Equal(2, attempts.Count);
        Assert.InRange(attempts[1] - attempts[0], TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7.2));
    }

    [Fact]
    public async Task AddStorage_PipelineFromDi_UsesTheRegisteredTimeProviderAndSettings()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GardenCity:Influx:WriteTimeout"] = "00:00:01",
            ["GardenCity:Influx:SpoolAfter"] = "00:00:03",
        }).Build());
        services.AddLogging();
        services.AddStorage();
        await using ServiceProvider provider = services.BuildServiceProvider();
        ResiliencePipeline pipeline = provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(StorageServiceCollectionExtensions.InfluxWritePipeline);
        DateTimeOffset start = time.GetUtcNow();

        Task write = pipeline.ExecuteAsync(static async ct => await Task.Delay(Timeout.Infinite, ct), TestContext.Current.CancellationToken).AsTask();
        await AdvanceUntilDoneAsync(time, write, TimeSpan.FromSeconds(30));

        // Two 1 s attempts time out (fake time), then the breaker opens: either way the batch goes to the spool.
        Exception ex = await Assert.ThrowsAnyAsync<Exception>(() => write);
        Assert.True(InfluxWritePolicy.IsUnavailable(ex), ex.GetType().Name);
        Assert.InRange(time.GetUtcNow() - start, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3.2));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(422, false)]
    public void IsTransient_ByStatus(int? status, bool transient) =>
        Assert.Equal(transient, InfluxWritePolicy.IsTransient(new InfluxWriteException("x", status)));

    [Fact]
    public void IsUnavailable_CredentialsRefused_SpooledNotDeadLettered()
    {
        Assert.True(InfluxWritePolicy.IsUnavailable(new InfluxWriteException("x", 401)));
        Assert.False(InfluxWritePolicy.IsUnavailable(new InfluxWriteException("x", 400)));
        Assert.True(InfluxWritePolicy.IsUnavailable(new TimeoutRejectedException()));
    }

    private static ResiliencePipeline Build(TimeProvider time, InfluxOptions options) =>
        InfluxWritePolicy.ConfigureWritePipeline(new ResiliencePipelineBuilder { TimeProvider = time }, options).Build();

    /// <summary>Moves fake time forward in 100 ms steps until <paramref name="task"/> ends or <paramref name="limit"/> of fake time passed.</summary>
    private static async Task AdvanceUntilDoneAsync(FakeTimeProvider time, Task task, TimeSpan limit)
    {
        DateTimeOffset end = time.GetUtcNow() + limit;
        while (!task.IsCompleted && time.GetUtcNow() < end)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
            if (!task.IsCompleted)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }

        Assert.True(task.IsCompleted, $"still running after {limit} of fake time");
    }
}
