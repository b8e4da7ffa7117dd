using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Ingestion.Health;

/// <summary>
/// Healthy while the spool is empty; Degraded while spooling or while quarantined <c>.corrupt</c> files are present;
/// Unhealthy (503) at 95 % of <c>GardenCity:Spool:MaxBytes</c> or when its file system is full.
/// </summary>
internal sealed class SpoolHealthCheck(FileSpool spool, IOptions<SpoolOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        long bytes = spool.SizeBytes, max = options.Value.MaxBytes;
        string text = $"{spool.Count} batches, {bytes} of {max} bytes";
        IReadOnlyList<string> quarantined = spool.QuarantinedFiles();
        string damage = quarantined.Count == 0 ? string.Empty
            : $"; spool damage quarantined in {quarantined.Count} .corrupt files in {options.Value.Directory}, inspect and remove them (docs/fault-tolerance.md)";
        return Task.FromResult(spool.DiskFullError is { } disk ? HealthCheckResult.Unhealthy($"spool full: file system full ({disk}): {text}{damage}")
            : bytes >= max * 0.95 ? HealthCheckResult.Unhealthy("spool full: " + text + damage)
            : !spool.IsEmpty ? HealthCheckResult.Degraded("InfluxDB behind, spooling: " + text + damage)
            : damage.Length > 0 ? HealthCheckResult.Degraded("empty" + damage)
            : HealthCheckResult.Healthy("empty"));
    }
}
