using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GardenCity.Monitoring.Ingestion.Health;

/// <summary>Ready while the worker is subscribed to the broker (or, all in one, the broker hands it messages).</summary>
internal sealed class BrokerHealthCheck(IngestionState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsSubscribed ? HealthCheckResult.Healthy("subscribed") : HealthCheckResult.Unhealthy("not connected to the broker"));
}
