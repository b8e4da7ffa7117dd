using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using GardenCity.Monitoring.Storage.Spool;

namespace GardenCity.Monitoring.Storage;

/// <summary>Registers InfluxDB writing and querying and the dead-letter store.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>Name of the resilience pipeline around InfluxDB writes.</summary>
    public const string InfluxWritePipeline = "influx-write";

    /// <summary>
    /// Adds <see cref="IReadingWriter"/> (v1 or v2 by <see cref="InfluxOptions.Version"/>), <see cref="InfluxQlClient"/>,
    /// <see cref="IDeadLetterStore"/>, and the <c>influx-write</c> pipeline, with options validated at start.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptionsWithValidateOnStart<InfluxOptions, InfluxOptionsValidator>().BindConfiguration(InfluxOptions.SectionName);
        services.AddOptionsWithValidateOnStart<DeadLetterOptions, DeadLetterOptionsValidator>().BindConfiguration(DeadLetterOptions.SectionName);
        services.AddOptionsWithValidateOnStart<RetentionOptions, RetentionOptionsValidator>().BindConfiguration(RetentionOptions.SectionName);

        services.AddHttpClient<InfluxQlClient>(ConfigureHttp);
        services.AddHttpClient<InfluxV1Writer>(ConfigureHttp);
        services.TryAddSingleton<InfluxV2Writer>();
        services.TryAddSingleton<IReadingWriter>(sp => sp.GetRequiredService<IOptions<InfluxOptions>>().Value.Version == InfluxApiVersion.V2
            ? sp.GetRequiredService<InfluxV2Writer>()
            : sp.GetRequiredService<InfluxV1Writer>());
        services.TryAddSingleton<DeadLetterFileStore>();
        services.TryAddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<DeadLetterFileStore>());

        services.AddOptionsWithValidateOnStart<SpoolOptions, SpoolOptionsValidator>().BindConfiguration(SpoolOptions.SectionName);
        services.TryAddSingleton<FileSpool>();

        services.AddResiliencePipeline(InfluxWritePipeline, (builder, context) =>
        {
            InfluxOptions influx = context.ServiceProvider.GetRequiredService<IOptions<InfluxOptions>>().Value;
            InfluxWritePolicy.ConfigureWritePipeline(builder, influx);
        });
        return services;
    }

    /// <summary>
    /// Adds the hourly downsampling job (<see cref="HourlyDownsampler"/>, docs/retention.md) as a hosted service and
    /// its <c>influx-downsample-query</c> pipeline: a per-query timeout of <see cref="InfluxOptions.RequestTimeout"/>
    /// times three (a look-back of days is a large query) and three retries of a query InfluxDB did not answer.
    /// </summary>
    public static IServiceCollection AddDownsampling(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddStorage();
        services.TryAddSingleton<HourlyDownsampler>();
        services.AddHostedService<DownsampleService>();
        services.AddResiliencePipeline(HourlyDownsampler.QueryPipeline, (builder, context) =>
        {
            InfluxOptions influx = context.ServiceProvider.GetRequiredService<IOptions<InfluxOptions>>().Value;
            builder
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutRejectedException>().Handle<TaskCanceledException>(),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromSeconds(1),
                    MaxRetryAttempts = 3,
                })
                .AddTimeout(influx.RequestTimeout * 3);
        });
        return services;
    }

    private static void ConfigureHttp(IServiceProvider sp, HttpClient client) =>
        client.Timeout = sp.GetRequiredService<IOptions<InfluxOptions>>().Value.RequestTimeout;
}
