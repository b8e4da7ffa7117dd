using System.Diagnostics;
using System.Text;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Ingestion.Mqtt;
using GardenCity.Monitoring.Messaging.Broker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace GardenCity.Monitoring.Ingestion.Tests;

/// <summary>
/// The ingestion room's spans (docs/observability.md), recorded by the OpenTelemetry SDK's in-memory exporter while the
/// all-in-one worker (<see cref="InterceptedIngestionService"/>: receipt → decode → durable write → PUBACK) takes a
/// batch: a trace per message with its decode span as a child, and one store span per batch linked to the messages.
/// Activity listeners are process-wide: this class runs alone (<see cref="TracingTestGroup"/>), so no other test's
/// messages show up among its spans and no other listener of the source is up meanwhile.
/// </summary>
[Collection(nameof(TracingTestGroup))]
public sealed class IngestionTracingTests : IDisposable
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));

    private readonly IngestionHarness _h = new();
    private readonly BrokerMetrics _brokerMetrics;
    private readonly EmbeddedBrokerService _broker;
    private readonly InterceptedIngestionService _service;

    public IngestionTracingTests()
    {
        _brokerMetrics = new BrokerMetrics(_h.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _broker = new EmbeddedBrokerService(Options.Create(new EmbeddedBrokerOptions()), Registry, _brokerMetrics, _h.Time, _h.Logger<EmbeddedBrokerService>());
        _service = new InterceptedIngestionService(_h.Processor, Options.Create(new MqttIngestionOptions { BatchSize = 1000 }), _h.State, _broker, _h.Time);
    }

    public void Dispose()
    {
        _service.Dispose();
        _broker.Dispose();
        _brokerMetrics.Dispose();
        _h.Dispose();
    }

    [Fact]
    public async Task Traced_StoredAndRefusedMessages_TracePerMessageDecodeChildAndOneStoreSpanLinkedToAll()
    {
        var spans = new List<Activity>();
        using (TracerProvider provider = Tracing(spans))
        {
            var stationParent = ActivityContext.Parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null);
            Task first = Ingest(_h.Telemetry("yd-wl-01"), stationParent);
            Task second = Ingest(_h.Telemetry("yd-wl-02"), default);
            Task refused = Ingest(new ReceivedMessage("gc/v1/water-level/yd-wl-03/telemetry", Encoding.UTF8.GetBytes("{not json")), default);

            Assert.True(await _service.IngestNextBatchAsync(TestContext.Current.CancellationToken));
            await Task.WhenAll(first, second, refused);
            provider.ForceFlush();
        }

        List<Activity> messages = [.. spans.Where(s => s.OperationName == IngestionTracing.MessageSpan)];
        Assert.Equal(3, messages.Count);
        Activity one = Single(messages, "yd-wl-01");
        Activity two = Single(messages, "yd-wl-02");
        Activity three = Single(messages, "yd-wl-03");

        // The station's traceparent is the parent of its message; the others start traces of their own.
        Assert.Equal(ActivityTraceId.CreateFromString("0af7651916cd43dd8448eb211c80319c"), one.TraceId);
        Assert.Equal(ActivitySpanId.CreateFromString("b7ad6b7169203331"), one.ParentSpanId);
        Assert.Equal(default, two.ParentSpanId);
        Assert.Equal(3, messages.Select(m => m.TraceId).Distinct().Count());
        foreach (Activity message in messages)
        {
            Assert.Equal(ActivityKind.Consumer, message.Kind);
            Assert.Equal("mqtt", message.GetTagItem("messaging.system"));
            Assert.Equal(true, message.GetTagItem(IngestionTracing.AcknowledgedAttribute));
            Assert.Contains(message.Events, e => e.Name == "puback");
            Activity decode = Assert.Single(spans, s => s.OperationName == IngestionTracing.DecodeSpan && s.ParentSpanId == message.SpanId);
            Assert.Equal(message.TraceId, decode.TraceId);
        }

        Assert.Equal("gc/v1/water-level/yd-wl-01/telemetry", one.GetTagItem("messaging.destination.name"));
        Assert.Equal(IngestionTracing.Stored, one.GetTagItem(IngestionTracing.OutcomeAttribute));
        Assert.Equal(IngestionTracing.Stored, two.GetTagItem(IngestionTracing.OutcomeAttribute));
        Assert.Equal(1, one.GetTagItem(IngestionTracing.ReadingsAttribute));
        Assert.Equal(IngestionTracing.DeadLetter, three.GetTagItem(IngestionTracing.OutcomeAttribute));
        Assert.Equal(1, three.GetTagItem(IngestionTracing.RejectedAttribute));

        Activity store = Assert.Single(spans, s => s.OperationName == IngestionTracing.StoreSpan);
        Assert.Equal(default, store.ParentSpanId);
        Assert.DoesNotContain(store.TraceId, messages.Select(m => m.TraceId));
        Assert.Equal(messages.Select(m => m.SpanId.ToHexString()).Order(StringComparer.Ordinal), store.Links.Select(l => l.Context.SpanId.ToHexString()).Order(StringComparer.Ordinal));
        Assert.Equal(IngestionTracing.Stored, store.GetTagItem(IngestionTracing.OutcomeAttribute));
        Assert.Equal(2, store.GetTagItem(IngestionTracing.ReadingsAttribute));
        Assert.Equal(3, store.GetTagItem(IngestionTracing.MessagesAttribute));
        Assert.Single(_h.Writer.Written);
    }

    [Fact]
    public async Task Traced_InfluxDown_MessageAndStoreSpansSaySpooled()
    {
        _h.Writer.Down = true;
        var spans = new List<Activity>();
        using (TracerProvider provider = Tracing(spans))
        {
            Task puback = Ingest(_h.Telemetry("yd-wl-01"), default);
            Assert.True(await _service.IngestNextBatchAsync(TestContext.Current.CancellationToken));
            await puback;
            provider.ForceFlush();
        }

        Assert.Equal(IngestionTracing.Spooled, Assert.Single(spans, s => s.OperationName == IngestionTracing.MessageSpan).GetTagItem(IngestionTracing.OutcomeAttribute));
        Assert.Equal(IngestionTracing.Spooled, Assert.Single(spans, s => s.OperationName == IngestionTracing.StoreSpan).GetTagItem(IngestionTracing.OutcomeAttribute));
        Assert.Equal(1, _h.Spool.Count);
    }

    [Fact]
    public async Task Traced_BatchOfAThousand_OneStoreSpanWithAThousandLinks()
    {
        var spans = new List<Activity>();
        using (TracerProvider provider = Tracing(spans))
        {
            List<Task> pubacks = [.. Enumerable.Range(1, 1000).Select(i => Ingest(_h.Telemetry("yd-wl-01", seq: i), default))];
            Assert.True(await _service.IngestNextBatchAsync(TestContext.Current.CancellationToken));
            await Task.WhenAll(pubacks);
            provider.ForceFlush();
        }

        Assert.Equal(1000, spans.Count(s => s.OperationName == IngestionTracing.MessageSpan));
        Activity store = Assert.Single(spans, s => s.OperationName == IngestionTracing.StoreSpan);
        Assert.Equal(1000, store.Links.Count());
    }

    [Fact]
    public async Task NotTraced_NoListenerOrNotSampled_NoActivityCreatedForABatchOfAThousand()
    {
        Assert.False(IngestionTracing.Source.HasListeners());
        Assert.Null(IngestionTracing.StartMessage("gc/v1/water-level/yd-wl-01/telemetry", default));

        // A listener that samples nothing (as SamplingRatio 0 does): StartActivity still returns null, nothing starts.
        int started = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IngestionTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None,
            ActivityStarted = _ => Interlocked.Increment(ref started),
        };
        ActivitySource.AddActivityListener(listener);
        List<Task> pubacks = [.. Enumerable.Range(1, 1000).Select(i => Ingest(_h.Telemetry("yd-wl-01", seq: i), default))];
        Assert.True(await _service.IngestNextBatchAsync(TestContext.Current.CancellationToken));
        await Task.WhenAll(pubacks);

        Assert.Equal(0, started);
        Assert.Equal(1000, _h.Writer.Written.Single().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static TracerProvider Tracing(List<Activity> spans) =>
        Sdk.CreateTracerProviderBuilder()
            .AddSource(IngestionTracing.SourceName)
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(spans)
            .Build();

    /// <summary>Takes the message; completes when it is durable (when its PUBACK would be released).</summary>
    private async Task Ingest(ReceivedMessage message, ActivityContext traceParent) =>
        await await _service.TakeAsync(message.Topic, message.Payload, traceParent, TestContext.Current.CancellationToken);

    private static Activity Single(List<Activity> messages, string station) =>
        Assert.Single(messages, m => (string?)m.GetTagItem(IngestionTracing.StationAttribute) == station);
}

/// <summary>Test classes that listen to activity sources: run after the parallel ones, one at a time.</summary>
[CollectionDefinition(nameof(TracingTestGroup), DisableParallelization = true)]
public sealed class TracingTestGroup
{
}
