using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GardenCity.Monitoring.Ingestion.Health;

/// <summary>
/// Ready while the worker is subscribed to the broker (or, all in one, the broker hands it messages); degraded while,
/// subscribed, it readies its reading path at start and takes no message yet.
/// </summary>
internal sealed class BrokerHealthCheck(IngestionState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            !state.IsSubscribed ? HealthCheckResult.Unhealthy("not connected to the broker")
            : state.IsWarmingUp ? HealthCheckResult.Degraded("subscribed; readying the reading path at start (at most 3 s), messages wait at the broker")
            : HealthCheckResult.Healthy("subscribed"));
}
