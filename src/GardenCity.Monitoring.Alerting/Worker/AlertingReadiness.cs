using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Worker;

/// <summary>
/// Whether the alerting worker takes station messages now, for <c>/readyz</c> (check <c>alerting</c>): not while it
/// restores its state and readies the alert path at start, nor while it is not subscribed to the broker. Until
/// 2026-12-04 an alerting worker answered ready without any check of its own, so a script (and an operator) could take
/// it for subscribed before it had a session at the broker. Thread-safe.
/// </summary>
internal sealed class AlertingReadiness
{
    private volatile string? _notReady = "starting: restoring the alert state and readying the alert path";

    /// <summary>Why the worker does not take messages now; null once it is subscribed.</summary>
    public string? NotReady => _notReady;

    /// <summary>Subscribed: it takes messages.</summary>
    public void Subscribed() => _notReady = null;

    /// <summary>Not subscribed, for <paramref name="reason"/>.</summary>
    public void NotSubscribed(string reason) => _notReady = reason;
}

/// <summary><c>/readyz</c>'s <c>alerting</c> check: Healthy while subscribed, Unhealthy (503) otherwise, with the reason.</summary>
internal sealed class AlertingHealthCheck(AlertingReadiness readiness, IOptions<AlertingOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.NotReady is { } reason
            ? HealthCheckResult.Unhealthy($"not subscribed as {options.Value.ClientId}: {reason}")
            : HealthCheckResult.Healthy($"subscribed as {options.Value.ClientId}"));
}
