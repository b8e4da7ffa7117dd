using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.ServiceDefaults;

/// <summary>
/// The OpenTelemetry Protocol (OTLP) exporter of traces and metrics (docs/observability.md). Off unless
/// <see cref="Endpoint"/> is set; the Prometheus endpoint (<c>GardenCity:Health:Url</c>) works either way.
/// </summary>
public sealed class OtlpOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Telemetry:Otlp";

    /// <summary>The gRPC protocol (<c>grpc</c>, an OpenTelemetry Collector's port 4317).</summary>
    public const string Grpc = "grpc";

    /// <summary>The HTTP protocol with protobuf bodies (<c>http-protobuf</c>, port 4318, <c>/v1/traces</c> and <c>/v1/metrics</c>).</summary>
    public const string HttpProtobuf = "http-protobuf";

    /// <summary>
    /// Base URL of the OTLP receiver, like <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>: <c>http://collector:4317</c> for grpc,
    /// <c>http://collector:4318</c> for http-protobuf (the signal paths <c>/v1/traces</c> and <c>/v1/metrics</c> are
    /// appended). Empty turns the exporter off.
    /// </summary>
    /// <value>The default value is empty (off).</value>
    public string Endpoint { get; set; } = string.Empty;

    /// <summary><c>grpc</c> or <c>http-protobuf</c>.</summary>
    /// <value>The default value is <c>grpc</c>.</value>
    public string Protocol { get; set; } = Grpc;

    /// <summary>Whether traces are exported (when <see cref="Endpoint"/> is set).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Traces { get; set; } = true;

    /// <summary>Whether metrics are exported (when <see cref="Endpoint"/> is set), every <see cref="MetricsInterval"/>.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Metrics { get; set; } = true;

    /// <summary>How often metrics are pushed.</summary>
    /// <value>The default value is 60 seconds (the SDK's default).</value>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Share of message traces recorded, 0 to 1, decided by trace id (<c>TraceIdRatioBased</c>) for traces that begin
    /// here; a message that carries a sampled <c>traceparent</c> from its station is always recorded (parent-based).
    /// </summary>
    /// <value>The default value is 1 (every message).</value>
    public double SamplingRatio { get; set; } = 1;

    /// <summary>Whether anything is exported: <see cref="Endpoint"/> is set.</summary>
    internal bool Enabled => Endpoint.Length > 0;

    /// <summary>Whether traces are exported.</summary>
    internal bool TracesEnabled => Enabled && Traces;

    /// <summary>Whether metrics are exported.</summary>
    internal bool MetricsEnabled => Enabled && Metrics;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https") || url.Port <= 0)
        {
            yield return new ValidationResult($"{SectionName}:Endpoint '{Endpoint}' is not an http(s) URL such as http://127.0.0.1:4317 (empty turns the OTLP exporter off).", [nameof(Endpoint)]);
        }

        if (Protocol is not (Grpc or HttpProtobuf))
        {
            yield return new ValidationResult($"{SectionName}:Protocol '{Protocol}' is not '{Grpc}' or '{HttpProtobuf}'.", [nameof(Protocol)]);
        }

        if (!(SamplingRatio is >= 0 and <= 1))
        {
            yield return new ValidationResult($"{SectionName}:SamplingRatio {SamplingRatio} is not between 0 and 1 (1 records every message).", [nameof(SamplingRatio)]);
        }

        if (MetricsInterval < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult($"{SectionName}:MetricsInterval '{MetricsInterval}' is shorter than 1 second (e.g. 00:01:00).", [nameof(MetricsInterval)]);
        }
    }
}
