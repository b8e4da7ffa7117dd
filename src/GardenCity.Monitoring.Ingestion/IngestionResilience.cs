using GardenCity.Monitoring.Messaging.Client;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace GardenCity.Monitoring.Ingestion;

/// <summary>
/// The ingestion worker's two waiting pipelines, besides Storage's <c>influx-write</c>. Both are registered by name in DI,
/// so their delays run on the <see cref="TimeProvider"/> registered there (one <c>FakeTimeProvider</c> drives them in tests).
/// </summary>
public static class IngestionResilience
{
    /// <summary>Name of the pipeline that holds a batch while InfluxDB is unavailable and the spool is full.</summary>
    public const string SpoolFullPipeline = "spool-full";

    /// <summary>Name of the pipeline that waits for InfluxDB while the spool replays.</summary>
    public const string SpoolReplayPipeline = "spool-replay";

    /// <summary>The first wait of <see cref="SpoolReplayPipeline"/>; it doubles per failed try.</summary>
    public static readonly TimeSpan ReplayFirstDelay = TimeSpan.FromMilliseconds(400);

    /// <summary>The longest wait of <see cref="SpoolReplayPipeline"/>.</summary>
    public static readonly TimeSpan ReplayMaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// <c>spool-full</c>: tries the batch again every <paramref name="retryDelay"/> (<c>GardenCity:Mqtt:ReconnectDelay</c>,
    /// 1 s) for as long as it takes, but only on <see cref="SpoolFullException"/> (back-pressure: nothing is acknowledged
    /// meanwhile). Anything else, bad data included, is not this pipeline's business and propagates at once.
    /// </summary>
    public static ResiliencePipelineBuilder ConfigureSpoolFullPipeline(ResiliencePipelineBuilder builder, TimeSpan retryDelay, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(logger);
        return builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<SpoolFullException>(),
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
            Delay = retryDelay,
            MaxRetryAttempts = int.MaxValue,
            OnRetry = args =>
            {
                logger.SpoolFull(args.Outcome.Exception!.Message, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        });
    }

    /// <summary>
    /// <c>spool-replay</c>: while InfluxDB cannot take writes (<see cref="InfluxWritePolicy.IsUnavailable"/>: no answer, a
    /// timed-out write, an open circuit, 408/429/5xx, or refused credentials, which wait for a person while the batches stay
    /// spooled) the replay waits 400 ms, doubling to 5 s, and tries the same batch again, for as long as it takes. Bad
    /// data never reaches it (the spool drain splits the batch and dead-letters the refused lines); any other exception
    /// propagates and stops the host.
    /// </summary>
    public static ResiliencePipelineBuilder ConfigureSpoolReplayPipeline(ResiliencePipelineBuilder builder, Func<int> spooledBatches, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(spooledBatches);
        ArgumentNullException.ThrowIfNull(logger);
        return builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(InfluxWritePolicy.IsUnavailable),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = false,
            Delay = ReplayFirstDelay,
            MaxDelay = ReplayMaxDelay,
            MaxRetryAttempts = int.MaxValue,
            OnRetry = args =>
            {
                logger.ReplayWaiting(spooledBatches(), args.Outcome.Exception!.Message);
                return ValueTask.CompletedTask;
            },
        });
    }

    /// <summary>Registers <see cref="SpoolFullPipeline"/> and <see cref="SpoolReplayPipeline"/>; they log under the categories of their users.</summary>
    internal static IServiceCollection AddIngestionResilience(this IServiceCollection services)
    {
        services.AddOptions();
        services.AddResiliencePipeline(SpoolFullPipeline, (builder, context) => ConfigureSpoolFullPipeline(
            builder,
            context.ServiceProvider.GetRequiredService<IOptions<MqttConnectionOptions>>().Value.ReconnectDelay,
            context.ServiceProvider.GetRequiredService<ILogger<IngestionBatchProcessor>>()));
        services.AddResiliencePipeline(SpoolReplayPipeline, (builder, context) =>
        {
            FileSpool spool = context.ServiceProvider.GetRequiredService<FileSpool>();
            ConfigureSpoolReplayPipeline(builder, () => spool.Count, context.ServiceProvider.GetRequiredService<ILogger<SpoolReplayService>>());
        });
        return services;
    }
}
