using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GardenCity.Monitoring.ServiceDefaults;

/// <summary>
/// What every role of the <c>gardencity</c> host shares (eShop's ServiceDefaults): console logging (text or JSON,
/// <see cref="LoggingOptions"/>), Kestrel and routing, <see cref="TimeProvider.System"/>, the health endpoints
/// (<c>/healthz</c>, <c>/readyz</c>), OpenTelemetry metrics with the Prometheus endpoint (<c>/metrics</c>) on
/// <c>GardenCity:Health:Url</c>, and the OTLP exporter of traces and metrics (<see cref="OtlpOptions"/>, off by default).
/// </summary>
/// <remarks>
/// Resilience defaults are the <see cref="TimeProvider"/> Polly's named pipelines read from DI (so one fake clock drives
/// them in tests) and Polly's own meter. There is deliberately no standard HTTP resilience handler: the InfluxDB write
/// already has its <c>influx-write</c> pipeline, and a second retry layer under it would retry twice and break its
/// time budget. Roles add their readiness checks with <see cref="ReadyTag"/>; the host names the meters to export.
/// </remarks>
public static class ServiceDefaultsExtensions
{
    /// <summary>The tag of the liveness checks (<c>/healthz</c>).</summary>
    public const string LiveTag = "live";

    /// <summary>The tag of the readiness checks (<c>/readyz</c>).</summary>
    public const string ReadyTag = "ready";

    /// <summary>The OpenTelemetry service name (<c>service.name</c>; on <c>/metrics</c> as <c>target_info</c>).</summary>
    public const string ServiceName = "gardencity";

    /// <summary>
    /// Prefix of the exported names of this project's instruments: <c>readings.stored</c> is exported as
    /// <c>gardencity.readings.stored</c>, <c>gardencity_readings_stored_total</c> in Prometheus. The instruments keep
    /// their short names in code.
    /// </summary>
    public const string MetricPrefix = "gardencity.";

    /// <summary>Meters whose names start so are this project's (and get <see cref="MetricPrefix"/>).</summary>
    private const string MeterPrefix = "GardenCity.";

    /// <summary>The meter of Polly's resilience pipelines, exported with the roles' meters.</summary>
    public const string PollyMeterName = "Polly";

    /// <summary>
    /// The activity sources traced when the OTLP exporter is on: every source of this project (<c>GardenCity.Ingestion</c>,
    /// <c>GardenCity.Alerting</c>; docs/observability.md).
    /// </summary>
    public const string ActivitySources = "GardenCity.*";

    /// <summary>Prefix of the standard OpenTelemetry environment variables the SDK reads (<c>OTEL_EXPORTER_OTLP_HEADERS</c>, …).</summary>
    private const string OtelEnvironmentPrefix = "OTEL_";

    /// <summary>
    /// Adds logging, Kestrel, routing, <see cref="TimeProvider.System"/>, <see cref="HealthOptions"/> (validated at
    /// start), the liveness check and, unless <c>GardenCity:Health:Url</c> is empty, its listener and the metrics of
    /// <paramref name="meters"/> plus Polly's.
    /// </summary>
    /// <param name="builder">The builder of the host.</param>
    /// <param name="meters">Names of the meters the roles of this process report on.</param>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, params IEnumerable<string> meters)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(meters);
        // A log line per HTTP request is noise at Information; problems (Warning) still show. Logging:LogLevel in the
        // configuration comes later and wins ("Microsoft.AspNetCore": "Information" to see every request).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        AddConsole(builder);
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptionsWithValidateOnStart<HealthOptions, HealthOptionsValidator>().BindConfiguration(HealthOptions.SectionName);
        builder.Services.AddHealthChecks().AddCheck("process", () => HealthCheckResult.Healthy(), tags: [LiveTag]);
        builder.Services.AddOptionsWithValidateOnStart<OtlpOptions, OtlpOptionsValidator>().BindConfiguration(OtlpOptions.SectionName);
        OtlpOptions otlp = builder.Configuration.GetSection(OtlpOptions.SectionName).Get<OtlpOptions>() ?? new OtlpOptions();
        if (new OtlpOptionsValidator().Validate(Options.DefaultName, otlp).Failed)
        {
            otlp = new OtlpOptions(); // off here; validation at start reports the setting
        }

        // Kestrel's listeners are set up when the host is built, before the options are validated at start: a setting
        // that fails validation gets no listener here and is reported by validation instead of throwing from Build.
        HealthOptions health = builder.Configuration.GetSection(HealthOptions.SectionName).Get<HealthOptions>() ?? new HealthOptions();
        AddTelemetry(builder, meters, prometheus: health.Enabled, otlp);
        if (!health.Enabled)
        {
            return builder;
        }

        if (health.Url.StartsWith("https:", StringComparison.OrdinalIgnoreCase))
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (new HealthOptionsValidator().Validate(Options.DefaultName, health).Failed)
            {
                return;
            }

            var url = new Uri(health.Url);
            kestrel.ListenOn(url, listen =>
            {
                if (url.Scheme == "https")
                {
                    listen.UseHttps(health.CertificatePath, health.CertificatePassword);
                }
            });
        });
        return builder;
    }

    /// <summary>
    /// The console logger: the simple formatter (<c>text</c>) or the built-in JSON formatter (<c>json</c>: one object per
    /// line with <c>Timestamp</c> in UTC, <c>EventId</c>, <c>LogLevel</c>, <c>Category</c>, <c>Message</c>, <c>State</c>
    /// and <c>Scopes</c>, which carry <c>TraceId</c>/<c>SpanId</c> inside a traced message). An invalid format gets the
    /// text formatter here and is reported by validation at start.
    /// </summary>
    private static void AddConsole(WebApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<LoggingOptions, LoggingOptionsValidator>().BindConfiguration(LoggingOptions.SectionName);
        LoggingOptions logging = builder.Configuration.GetSection(LoggingOptions.SectionName).Get<LoggingOptions>() ?? new LoggingOptions();
        if (logging.Format != LoggingOptions.Json)
        {
            builder.Logging.AddSimpleConsole();
            return;
        }

        // The log lines of a traced message carry its trace and span ids (as a scope), so logs and traces meet.
        builder.Logging.Configure(factory => factory.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddJsonConsole(json =>
        {
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";
            json.IncludeScopes = true;
            // Chinese messages stay readable (not \uXXXX); still valid JSON, and the console is no HTML page.
            json.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        });
    }

    /// <summary>
    /// The OpenTelemetry SDK: the metrics of <paramref name="meters"/> plus Polly's for Prometheus and/or OTLP, and the
    /// traces of the <see cref="ActivitySources"/> (parent-based ratio sampling) for OTLP. Nothing when neither is on,
    /// so that no listener makes the pipeline's activity sources create activities. The SDK reads the standard
    /// <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_EXPORTER_OTLP_TIMEOUT</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>, … from the
    /// configuration, so the <c>OTEL_*</c> environment variables are added to it; the endpoint and protocol set here take
    /// precedence over <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>/<c>_PROTOCOL</c>, which alone do not turn the exporter on.
    /// </summary>
    private static void AddTelemetry(WebApplicationBuilder builder, IEnumerable<string> meters, bool prometheus, OtlpOptions otlp)
    {
        if (!prometheus && !otlp.Enabled)
        {
            return;
        }

        if (otlp.Enabled)
        {
            builder.Configuration.AddInMemoryCollection(Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .Where(e => e.Key is string key && key.StartsWith(OtelEnvironmentPrefix, StringComparison.Ordinal))
                .Select(e => new KeyValuePair<string, string?>((string)e.Key, e.Value as string)));
        }

        OpenTelemetryBuilder telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: typeof(ServiceDefaultsExtensions).Assembly.GetName().Version?.ToString()));
        if (prometheus || otlp.MetricsEnabled)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics
                    .AddMeter([.. meters, PollyMeterName])
                    .AddView(instrument => instrument.Meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal) ? new MetricStreamConfiguration { Name = MetricPrefix + instrument.Name } : null);
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }

                if (otlp.MetricsEnabled)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        Configure(exporter, otlp, "v1/metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)otlp.MetricsInterval.TotalMilliseconds;
                    });
                }
            });
        }

        if (otlp.TracesEnabled)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(ActivitySources)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(otlp.SamplingRatio)))
                .AddOtlpExporter(exporter => Configure(exporter, otlp, "v1/traces")));
        }
    }

    /// <summary>Endpoint and protocol; over HTTP the SDK uses a configured endpoint as given, so the signal's path is appended.</summary>
    private static void Configure(OtlpExporterOptions exporter, OtlpOptions otlp, string signalPath)
    {
        if (otlp.Protocol == OtlpOptions.HttpProtobuf)
        {
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = new Uri(otlp.Endpoint.TrimEnd('/') + "/" + signalPath);
        }
        else
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = new Uri(otlp.Endpoint);
        }
    }

    /// <summary>
    /// Maps <c>/healthz</c> (checks tagged <see cref="LiveTag"/>), <c>/readyz</c> (checks tagged <see cref="ReadyTag"/>,
    /// one line per check; 503 when one is unhealthy) and <c>/metrics</c>, unless <c>GardenCity:Health:Url</c> is empty.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<IOptions<HealthOptions>>().Value.Enabled)
        {
            return app;
        }

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(LiveTag) });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteDetails });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>Listens on the host and port of <paramref name="url"/>: an IP address as given, <c>localhost</c> as loopback, any other name as every address.</summary>
    public static void ListenOn(this KestrelServerOptions kestrel, Uri url, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(url);
        kestrel.Listen(ListenAddress(url), url.Port, configure ?? (_ => { }));
    }

    internal static IPAddress ListenAddress(Uri url) =>
        IPAddress.TryParse(url.Host, out IPAddress? address) ? address
        : url.Host == "localhost" ? IPAddress.Loopback : IPAddress.Any;

    private static Task WriteDetails(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(report.Status + "\n" + string.Join("\n", report.Entries.Select(e => $"{e.Key}: {e.Value.Status} {e.Value.Description}")) + "\n");
    }
}
