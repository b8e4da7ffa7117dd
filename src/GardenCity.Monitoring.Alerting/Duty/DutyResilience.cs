using GardenCity.Monitoring.Alerting.Duty.Exceptions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace GardenCity.Monitoring.Alerting.Duty;

/// <summary>
/// The named Polly pipeline of each duty channel (<c>duty-channel:{name}</c>, registered with
/// <c>AddResiliencePipelines</c> on the injected <see cref="TimeProvider"/>): retry of transient failures honouring
/// Retry-After (up to <see cref="DutyChannelOptions.MaxRetryAfter"/>; a longer one ends the round and the worker waits
/// it out), a circuit breaker, and a timeout per attempt. Refusals (<see cref="DutyDeliveryException.Transient"/> false)
/// are neither retried nor counted by the breaker.
/// </summary>
public static class DutyResilience
{
    /// <summary>The pipeline name of a channel.</summary>
    public static string PipelineName(string channel) => "duty-channel:" + channel;

    /// <summary>Adds the strategies of a channel to <paramref name="builder"/> (whose TimeProvider the caller sets).</summary>
    public static ResiliencePipelineBuilder Configure(ResiliencePipelineBuilder builder, DutyChannelOptions o)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(o);
        if (o.Retries > 0) // Polly wants at least one retry; none means each round is one attempt
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<DutyDeliveryException>(e => e.Transient && (e.RetryAfter is null || e.RetryAfter <= o.MaxRetryAfter))
                    .Handle<TimeoutRejectedException>()
                    .Handle<HttpRequestException>(),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryDelay,
                MaxDelay = o.MaxRetryAfter,
                MaxRetryAttempts = o.Retries,
                // The receiver's own wait wins over the back-off (429 / 503 with Retry-After).
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is DutyDeliveryException { RetryAfter: { } after } ? (TimeSpan?)after : null),
            });
        }

        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<DutyDeliveryException>(e => e.Transient)
                    .Handle<TimeoutRejectedException>()
                    .Handle<HttpRequestException>(),
                FailureRatio = o.BreakerFailureRatio,
                MinimumThroughput = o.BreakerMinimumThroughput,
                SamplingDuration = o.BreakerSamplingDuration,
                BreakDuration = o.BreakerDuration,
            })
            .AddTimeout(o.AttemptTimeout);
    }
}
