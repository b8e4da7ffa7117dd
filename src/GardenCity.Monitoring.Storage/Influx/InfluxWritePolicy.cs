using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>
/// What a failed InfluxDB write means and what is done about it, in one place: bad data (split and dead-letter),
/// transient (retry), unavailable (spool), and the <c>influx-write</c> pipeline built from those rules.
/// </summary>
public static class InfluxWritePolicy
{
    /// <summary>
    /// The <c>influx-write</c> pipeline, outermost first: a total budget (<see cref="InfluxOptions.SpoolAfter"/>: past it
    /// the caller spools the batch, so a hanging InfluxDB holds acknowledgements for seconds, not minutes); retries of
    /// transient failures only (<see cref="IsTransient"/>: no answer, a timed-out attempt, 408, 429, 5xx), waiting what
    /// the server's <c>Retry-After</c> asks when it says; a circuit breaker that also opens on slow calls (every
    /// timed-out attempt counts as a failure), so that while InfluxDB hangs later batches go to the spool at once; and a
    /// per-attempt timeout (<see cref="InfluxOptions.WriteTimeout"/>). Bad data (400, 413, 422) and refused credentials
    /// (401, 403) are never retried. Time comes from the pipeline's <see cref="TimeProvider"/> (the one registered in DI).
    /// </summary>
    public static ResiliencePipelineBuilder ConfigureWritePipeline(ResiliencePipelineBuilder builder, InfluxOptions influx)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(influx);
        var transient = new PredicateBuilder().Handle<Exception>(IsTransient);
        return builder
            .AddTimeout(influx.SpoolAfter)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                MaxRetryAttempts = 3,
                DelayGenerator = static args => new ValueTask<TimeSpan?>(
                    args.Outcome.Exception is InfluxWriteException { RetryAfter: { } after } ? after : null),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => IsTransient(ex) || ex is InfluxWriteException { StatusCode: 401 or 403 }),
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = TimeSpan.FromSeconds(5),
            })
            .AddTimeout(influx.WriteTimeout);
    }

    /// <summary>Whether InfluxDB refused the write because of the data itself, so retrying cannot help.</summary>
    public static bool IsBadData(InfluxWriteException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.StatusCode is 400 or 413 or 422;
    }

    /// <summary>
    /// Whether a failed write may succeed if tried again soon: InfluxDB did not answer, an attempt timed out, or it
    /// answered 408, 429 or 5xx. Never bad data (400, 413, 422) nor refused credentials (401, 403), which wait for a
    /// person: those batches are dead-lettered or spooled at once.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        TimeoutRejectedException => true,
        InfluxWriteException { StatusCode: null } => true,
        InfluxWriteException { StatusCode: 408 or 429 or >= 500 } => true,
        _ => false,
    };

    /// <summary>
    /// Whether InfluxDB cannot take writes now (as opposed to refusing the data): the circuit is open, the write's
    /// budget ran out, it did not answer, or it answered anything but bad data. The batch then goes to the spool.
    /// </summary>
    public static bool IsUnavailable(Exception exception) =>
        exception is BrokenCircuitException or TimeoutRejectedException
        || (exception is InfluxWriteException write && !IsBadData(write));
}
