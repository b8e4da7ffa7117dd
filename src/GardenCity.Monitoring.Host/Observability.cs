using GardenCity.Monitoring.Ingestion;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace GardenCity.Monitoring.Host;

/// <summary>Health endpoints and metrics, shared by every role: <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> (Prometheus).</summary>
internal static class Observability
{
    public static void AddObservability(this WebApplicationBuilder builder, bool ingest)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(IngestionMetrics.MeterName)
            .AddMeter(DeadLetterFileStore.MeterName)
            .AddMeter("Polly")
            .AddPrometheusExporter());
        IHealthChecksBuilder checks = builder.Services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy(), tags: ["live"]);
        if (ingest)
        {
            checks.AddCheck<BrokerHealthCheck>("broker", tags: ["ready"]);
            checks.AddCheck<SpoolHealthCheck>("spool", tags: ["ready"]);
            checks.AddCheck<DeadLetterHealthCheck>("dead-letter", tags: ["ready"]);
        }
    }

    public static void MapObservability(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteDetails });
        app.MapPrometheusScrapingEndpoint("/metrics");
    }

    private static Task WriteDetails(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(report.Status + "\n" + string.Join("\n", report.Entries.Select(e => $"{e.Key}: {e.Value.Status} {e.Value.Description}")) + "\n");
    }

    private sealed class BrokerHealthCheck(IngestionState state) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(state.IsSubscribed ? HealthCheckResult.Healthy("subscribed") : HealthCheckResult.Unhealthy("not connected to the broker"));
    }

    private sealed class SpoolHealthCheck(FileSpool spool, IOptions<SpoolOptions> options) : IHealthCheck
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

    /// <summary>Degraded (still 200: ingestion goes on) while a station's dead letters are summarised or the folder is at its bound.</summary>
    private sealed class DeadLetterHealthCheck(DeadLetterFileStore store) : IHealthCheck
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
}
