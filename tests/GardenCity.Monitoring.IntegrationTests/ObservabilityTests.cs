using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 18, operations: a real <c>gardencity run --roles ingest</c> process (embedded broker, real influxd) with the
/// OTLP exporter over http-protobuf pointed at a loopback receiver and JSON console logs. A station publishes one reading
/// over MQTT 5 with a W3C <c>traceparent</c> user property; the receiver must get real OTLP requests whose protobuf
/// bodies hold that message's spans, and every line the process writes must be one JSON object. The standard
/// <c>OTEL_EXPORTER_OTLP_HEADERS</c> and <c>OTEL_RESOURCE_ATTRIBUTES</c> in the process's environment are honoured.
/// </summary>
public sealed class ObservabilityTests(ServersFixture servers)
{
    private const string Station = "yd-wl-01";
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string StationSpanId = "00f067aa0ba902b7";

    [Fact]
    public async Task Run_OtlpHttpProtobufAndJsonLogs_ExportsTheMessageTraceAndWritesOneJsonObjectPerLine()
    {
        using var receiver = new OtlpReceiver();
        using GardenCityRun run = GardenCityRun.Create(servers, "otel").WithEmbeddedBroker()
            .With("GardenCity:Roles", "ingest")
            .With("GardenCity:Telemetry:Otlp:Endpoint", receiver.Url)
            .With("GardenCity:Telemetry:Otlp:Protocol", "http-protobuf")
            .With("GardenCity:Logging:Format", "json");
        string output;
        using (GardenCityProcess process = await GardenCityProcess.StartAsync(run.Settings, ready: "Embedded MQTT broker listening", healthUrl: false,
            environment: new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_HEADERS"] = "Authorization=Bearer otel-test", ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=otel-test" }))
        {
            await PublishWithTraceparentAsync(run.BrokerPort);

            // The PUBACK came after the reading was durable. A graceful stop flushes the exporters' batches.
            await process.TerminateAsync();
            output = process.Output;
        }

        // The real OTLP/HTTP format: POST /v1/traces with a protobuf ExportTraceServiceRequest.
        List<OtlpReceiver.Request> traces = [.. receiver.Requests.Where(r => r.Path == "/v1/traces")];
        Assert.NotEmpty(traces);
        Assert.All(traces, r => Assert.Equal(("POST", "application/x-protobuf", "Bearer otel-test"), (r.Method, r.ContentType, r.Authorization)));
        List<OtlpDecoder.Span> spans = [.. traces.SelectMany(r => OtlpDecoder.Spans(r.Body))];

        OtlpDecoder.Span message = Assert.Single(spans, s => s.Name == "gardencity.ingest.message");
        Assert.Equal("GardenCity.Ingestion", message.Scope);
        Assert.Equal("gardencity", message.Resource["service.name"]);
        Assert.Equal("otel-test", message.Resource["deployment.environment"]);
        Assert.Equal((TraceId, StationSpanId), (message.TraceId, message.ParentSpanId)); // the station's trace context
        Assert.Equal(5, message.Kind); // SPAN_KIND_CONSUMER
        Assert.Equal(Station, message.Attributes["gardencity.station"]);
        Assert.Equal($"gc/v1/water-level/{Station}/telemetry", message.Attributes["messaging.destination.name"]);
        Assert.Equal("stored", message.Attributes["gardencity.outcome"]);
        Assert.Equal(true, message.Attributes["gardencity.acknowledged"]);

        OtlpDecoder.Span decode = Assert.Single(spans, s => s.Name == "gardencity.ingest.decode");
        Assert.Equal((TraceId, message.SpanId), (decode.TraceId, decode.ParentSpanId));
        OtlpDecoder.Span store = Assert.Single(spans, s => s.Name == "gardencity.ingest.store");
        Assert.Equal([message.SpanId], store.LinkedSpanIds);
        Assert.Equal("stored", store.Attributes["gardencity.outcome"]);
        Assert.Equal(1L, store.Attributes["gardencity.readings"]);

        // Metrics go the same way, POST /v1/metrics, with this project's prefixed names.
        List<OtlpReceiver.Request> metrics = [.. receiver.Requests.Where(r => r.Path == "/v1/metrics")];
        Assert.NotEmpty(metrics);
        Assert.All(metrics, r => Assert.Equal("application/x-protobuf", r.ContentType));
        Assert.Contains("gardencity.readings.stored", metrics.SelectMany(r => OtlpDecoder.MetricNames(r.Body)));

        // JSON logs: every line one object with the formatter's fields, timestamps in UTC; no station password anywhere.
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        foreach (string line in lines)
        {
            using JsonDocument entry = JsonDocument.Parse(line);
            JsonElement root = entry.RootElement;
            Assert.Equal(JsonValueKind.Object, root.ValueKind);
            string timestamp = root.GetProperty("Timestamp").GetString()!;
            Assert.EndsWith("Z", timestamp, StringComparison.Ordinal);
            Assert.Equal(TimeSpan.Zero, DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture).Offset);
            Assert.Equal(JsonValueKind.Number, root.GetProperty("EventId").ValueKind);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("LogLevel").GetString()));
            Assert.False(string.IsNullOrEmpty(root.GetProperty("Category").GetString()));
            Assert.Equal(JsonValueKind.String, root.GetProperty("Message").ValueKind);
        }

        Assert.Contains(lines, l => l.Contains("Embedded MQTT broker listening", StringComparison.Ordinal));
        Assert.DoesNotContain("gc-dev-" + Station, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_IngestAndAlertingWithStationTraceparent_BothRoomsSpansInTheStationsTrace()
    {
        using var receiver = new OtlpReceiver();
        using GardenCityRun run = GardenCityRun.Create(servers, "otel2").WithEmbeddedBroker()
            .With("GardenCity:Roles", "ingest,alerting")
            .With("GardenCity:Telemetry:Otlp:Endpoint", receiver.Url)
            .With("GardenCity:Telemetry:Otlp:Protocol", "http-protobuf");
        using (GardenCityProcess process = await GardenCityProcess.StartAsync(run.Settings, ready: GardenCityRun.Ready, healthUrl: false))
        {
            await PublishWithTraceparentAsync(run.BrokerPort);

            // The alerting worker reads the message on its own subscription: wait until its span is exported (every 5 s).
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(Spans(receiver).Any(s => s.Name == "gardencity.alerting.evaluate")),
                TimeSpan.FromSeconds(30), () => "no evaluate span exported:\n" + process.Output, CancellationToken.None);
            await process.TerminateAsync();
        }

        List<OtlpDecoder.Span> spans = Spans(receiver);
        OtlpDecoder.Span ingest = Assert.Single(spans, s => s.Name == "gardencity.ingest.message");
        OtlpDecoder.Span evaluate = Assert.Single(spans, s => s.Name == "gardencity.alerting.evaluate");
        Assert.Equal("GardenCity.Alerting", evaluate.Scope);
        Assert.Equal((TraceId, StationSpanId), (ingest.TraceId, ingest.ParentSpanId));
        Assert.Equal((TraceId, StationSpanId), (evaluate.TraceId, evaluate.ParentSpanId));
        Assert.Equal(Station, evaluate.Attributes["gardencity.station"]);
        Assert.Equal(1L, evaluate.Attributes["gardencity.readings"]);
    }

    private static List<OtlpDecoder.Span> Spans(OtlpReceiver receiver) =>
        [.. receiver.Requests.Where(r => r.Path == "/v1/traces").SelectMany(r => OtlpDecoder.Spans(r.Body))];

    /// <summary>One water-level reading from <see cref="Station"/> over MQTT 5 with a sampled W3C <c>traceparent</c> user property; returns after the PUBACK.</summary>
    private static async Task PublishWithTraceparentAsync(int brokerPort)
    {
        await using TestPublisher station = await TestPublisher.ConnectAsync(brokerPort, Station, Station, "gc-dev-" + Station, MqttProtocolVersion.V500);
        string json = $$$"""{"ts":"{{{DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}}","seq":1,"values":{"water_level_m":2.61}}""";
        MqttClientPublishResult result = await station.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"gc/v1/water-level/{Station}/telemetry")
            .WithPayload(json)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty("traceparent", System.Text.Encoding.UTF8.GetBytes($"00-{TraceId}-{StationSpanId}-01"))
            .Build(), TestContext.Current.CancellationToken);
        Assert.True(result.IsSuccess, result.ReasonCode.ToString());
    }
}
