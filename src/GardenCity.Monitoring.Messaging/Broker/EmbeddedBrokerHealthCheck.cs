using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>
/// Ready when a station can connect to the embedded broker and publish: it listens, and it no longer answers
/// "server unavailable" while the workers of this process (ingestion, alerting) subscribe.
/// </summary>
internal sealed class EmbeddedBrokerHealthCheck(EmbeddedBrokerService broker) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!broker.IsListening)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("not listening yet"));
        }

        IReadOnlyCollection<string> awaited = broker.AwaitedSubscribers;
        return Task.FromResult(awaited.Count > 0
            ? HealthCheckResult.Unhealthy($"turning stations away until {string.Join(", ", awaited)} subscribed")
            : HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"accepting stations on port {broker.Port}")));
    }
}
