using GardenCity.Monitoring.Storage.DeadLetters;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GardenCity.Monitoring.Ingestion.Health;

/// <summary>Degraded (still 200: ingestion goes on) while a station's dead letters are summarised or the folder is at its bound.</summary>
internal sealed class DeadLetterHealthCheck(DeadLetterFileStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        DeadLetterStatus s = store.Status;
        string size = $"{s.SizeBytes} of {s.MaxTotalBytes} bytes";
        return Task.FromResult(
            s.Full ? HealthCheckResult.Degraded($"dead-letter folder full ({size}): dead letters only counted in the log and metrics")
            : s.SizeBytes >= s.CopyLimitBytes ? HealthCheckResult.Degraded($"dead-letter folder at its bound ({size}): dead letters summarised, not copied")
            : s.StationsOverBound.Count > 0 ? HealthCheckResult.Degraded($"{s.SummarisedThisWindow} dead letters summarised this hour, over the per-station bound: {string.Join(", ", s.StationsOverBound)}")
            : HealthCheckResult.Healthy(size));
    }
}
