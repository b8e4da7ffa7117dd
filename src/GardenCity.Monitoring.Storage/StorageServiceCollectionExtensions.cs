using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using GardenCity.Monitoring.Storage.Spool;
using Polly.CircuitBreaker;
using Polly.Retry;

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
        services.AddOptionsWithValidateOnStart<InfluxOptions>().BindConfiguration(InfluxOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InfluxOptions>, InfluxOptionsValidator>());
        services.AddOptionsWithValidateOnStart<DeadLetterOptions>().BindConfiguration(DeadLetterOptions.SectionName).ValidateDataAnnotations();

        services.AddHttpClient<InfluxQlClient>(ConfigureHttp);
        services.AddHttpClient<InfluxV1Writer>(ConfigureHttp);
        services.TryAddSingleton<InfluxV2Writer>();
        services.TryAddSingleton<IReadingWriter>(sp => sp.GetRequiredService<IOptions<InfluxOptions>>().Value.Version == InfluxApiVersion.V2
            ? sp.GetRequiredService<InfluxV2Writer>()
            : sp.GetRequiredService<InfluxV1Writer>());
        services.TryAddSingleton<DeadLetterFileStore>();
        services.TryAddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<DeadLetterFileStore>());

        services.AddOptionsWithValidateOnStart<SpoolOptions>().BindConfiguration(SpoolOptions.SectionName).ValidateDataAnnotations();
        services.TryAddSingleton<FileSpool>();

        // Transient failures (no answer, timeout, 429, 5xx, 401/403 while an operator fixes credentials) are retried a
        // few times with jittered back-off; a circuit breaker then stops hammering a server that is down, and the caller
        // spools. Bad data (400, 413, 422) is never retried: the caller splits the batch and dead-letters what is refused.
        var transient = new PredicateBuilder().Handle<InfluxWriteException>(ex => !IsBadData(ex));
        services.AddResiliencePipeline(InfluxWritePipeline, builder => builder
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                MaxRetryAttempts = 3,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = transient,
                FailureRatio = 0.5,
                MinimumThroughput = 4,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(5),
            }));
        return services;
    }

    /// <summary>Whether InfluxDB refused the write because of the data itself, so retrying cannot help.</summary>
    public static bool IsBadData(InfluxWriteException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.StatusCode is 400 or 413 or 422;
    }

    private static void ConfigureHttp(IServiceProvider sp, HttpClient client) =>
        client.Timeout = sp.GetRequiredService<IOptions<InfluxOptions>>().Value.RequestTimeout;
}
