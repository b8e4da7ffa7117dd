using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Ingestion.Mqtt;
using GardenCity.Monitoring.Messaging.Broker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Ingestion.Tests.Mqtt;

/// <summary>
/// One turn of the all-in-one batch loop (<see cref="InterceptedIngestionService.IngestNextBatchAsync"/>) on a
/// <c>FakeTimeProvider</c>: the task <see cref="InterceptedIngestionService.TakeAsync"/> returns (which releases the
/// station's PUBACK) completes only when its message is durable, and the batch never lingers.
/// </summary>
public sealed class InterceptedIngestionServiceTests : IDisposable
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));

    private readonly IngestionHarness _h;
    private readonly EmbeddedBrokerService _broker;
    private readonly BrokerMetrics _brokerMetrics;
    private readonly InterceptedIngestionService _service;

    public InterceptedIngestionServiceTests() : this(new IngestionHarness())
    {
    }

    private InterceptedIngestionServiceTests(IngestionHarness harness)
    {
        _h = harness;
        _brokerMetrics = new BrokerMetrics(_h.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _broker = new EmbeddedBrokerService(Options.Create(new EmbeddedBrokerOptions()), Registry, _brokerMetrics, _h.Time, _h.Logger<EmbeddedBrokerService>());
        _service = new InterceptedIngestionService(_h.Processor, Options.Create(new MqttIngestionOptions { BatchSize = 10, BatchInterval = TimeSpan.FromSeconds(5) }),
            _h.State, _broker, _h.Time);
    }

    public void Dispose()
    {
        _service.Dispose();
        _broker.Dispose();
        _brokerMetrics.Dispose();
        _h.Dispose();
    }

    [Fact]
    public async Task IngestNextBatchAsync_TwoStationsWaiting_OneBatchWithoutLingeringAndBothPubAcksReleased()
    {
        Task first = await _service.TakeAsync("gc/v1/water-level/yd-wl-01/telemetry", _h.Telemetry("yd-wl-01").Payload, default, TestContext.Current.CancellationToken);
        Task second = await _service.TakeAsync("gc/v1/water-level/yd-wl-02/telemetry", _h.Telemetry("yd-wl-02").Payload, default, TestContext.Current.CancellationToken);
        await IngestionHarness.StillWaitingAsync(first);

        // No fake time passes: BatchInterval (5 s) does not apply in this mode.
        Assert.True(await _service.IngestNextBatchAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        string write = Assert.Single(_h.Writer.Written);
        Assert.Equal(2, write.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("Stored 2 readings from 2 messages; 0 rejected", _h.Messages<IngestionBatchProcessor>());
    }

    [Fact]
    public async Task IngestNextBatchAsync_InfluxDownAndSpoolFull_HoldsThePubAckUntilTheSpoolHasRoom()
    {
        using var t = new InterceptedIngestionServiceTests(new IngestionHarness(spoolMaxBytes: 64));
        t._h.Writer.Down = true;
        Assert.True(t._h.Spool.TryAppend(new string('x', 100), 1));
        Task puback = await t._service.TakeAsync("gc/v1/water-level/yd-wl-01/telemetry", t._h.Telemetry().Payload, default, TestContext.Current.CancellationToken);

        Task<bool> turn = t._service.IngestNextBatchAsync(TestContext.Current.CancellationToken);
        await IngestionHarness.UntilAsync(() => t._h.Messages<IngestionBatchProcessor>().Any(m => m.Contains("spool is full", StringComparison.Ordinal)));
        t._h.Time.Advance(TimeSpan.FromSeconds(1));
        await IngestionHarness.StillWaitingAsync(puback);

        t._h.Spool.Remove(t._h.Spool.PeekOldest()!);
        t._h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await turn.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        await puback.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(1, t._h.Spool.Count);
    }
}
