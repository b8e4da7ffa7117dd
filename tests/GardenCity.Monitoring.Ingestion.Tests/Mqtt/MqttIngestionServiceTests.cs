using System.Reflection;
using GardenCity.Monitoring.Ingestion.Mqtt;
using GardenCity.Monitoring.Messaging.Broker;
using GardenCity.Monitoring.Messaging.Client;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Packets;

namespace GardenCity.Monitoring.Ingestion.Tests.Mqtt;

/// <summary>
/// One turn of the subscriber's batch loop (<see cref="MqttIngestionService.ProcessNextBatchAsync"/>) on a
/// <c>FakeTimeProvider</c>: what is stored, spooled, dead-lettered and acknowledged, and what is logged.
/// </summary>
public sealed class MqttIngestionServiceTests : IDisposable
{
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(500);

    private readonly IngestionHarness _h;
    private readonly FakeMqttClient _client;
    private readonly MqttIngestionService _service;
    private int _acks;

    public MqttIngestionServiceTests() : this(new IngestionHarness())
    {
    }

    private MqttIngestionServiceTests(IngestionHarness harness, int batchSize = 10)
    {
        _h = harness;
        IMqttClient client = DispatchProxy.Create<IMqttClient, FakeMqttClient>();
        _client = (FakeMqttClient)(object)client;
        _service = new MqttIngestionService(
            Options.Create(new MqttIngestionOptions { BatchSize = batchSize, BatchInterval = BatchInterval, PublishDeadLetters = false }),
            Options.Create(new MqttConnectionOptions()),
            _h.Processor, _h.Time, _h.Logger<MqttIngestionService>(), [], _h.State,
            client, DispatchProxy.Create<IMqttClient, FakeMqttClient>());
    }

    public void Dispose()
    {
        _service.Dispose();
        _h.Dispose();
    }

    [Fact]
    public async Task ProcessNextBatchAsync_BatchSizeQueued_OneWriteAndEveryMessageAcknowledged_WithoutLingering()
    {
        using var t = new MqttIngestionServiceTests(new IngestionHarness(), batchSize: 2);
        await t.ReceiveAsync(t._h.Telemetry("yd-wl-01"));
        await t.ReceiveAsync(t._h.Telemetry("yd-wl-02"));

        Assert.True(await t._service.ProcessNextBatchAsync(TestContext.Current.CancellationToken));

        string write = Assert.Single(t._h.Writer.Written);
        Assert.Equal(2, write.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(2, t._acks);
        Assert.True(t._h.Spool.IsEmpty);
        Assert.Contains("Stored 2 readings from 2 messages; 0 rejected", t._h.Messages<IngestionBatchProcessor>());
    }

    [Fact]
    public async Task ProcessNextBatchAsync_OneMessage_LingersBatchIntervalAndTakesWhatArrivesMeanwhile()
    {
        await ReceiveAsync(_h.Telemetry("yd-wl-01"));

        Task<bool> turn = _service.ProcessNextBatchAsync(TestContext.Current.CancellationToken);
        await IngestionHarness.StillWaitingAsync(turn);
        await ReceiveAsync(_h.Telemetry("yd-wl-02"));
        _h.Time.Advance(BatchInterval - TimeSpan.FromMilliseconds(1));
        await IngestionHarness.StillWaitingAsync(turn);
        Assert.Equal(0, _acks);
        _h.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(await turn.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        string write = Assert.Single(_h.Writer.Written);
        Assert.Equal(2, write.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(2, _acks);
    }

    [Fact]
    public async Task ProcessNextBatchAsync_InfluxDown_SpoolsTheBatchThenAcknowledges()
    {
        _h.Writer.Down = true;
        await ReceiveAsync(_h.Telemetry());

        Task<bool> turn = _service.ProcessNextBatchAsync(TestContext.Current.CancellationToken);
        _h.Time.Advance(BatchInterval);

        Assert.True(await turn.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(1, _h.Spool.Count);
        Assert.Equal(1, _acks);
        Assert.Contains(_h.Messages<IngestionBatchProcessor>(), m => m.StartsWith("InfluxDB is unavailable; 1 readings go to the spool", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProcessNextBatchAsync_InfluxDownAndSpoolFull_AcknowledgesNothingAndTriesAgainEverySecondUntilThereIsRoom()
    {
        using var t = new MqttIngestionServiceTests(new IngestionHarness(spoolMaxBytes: 64));
        t._h.Writer.Down = true;
        Assert.True(t._h.Spool.TryAppend(new string('x', 100), 1)); // an empty spool takes one record of any size; now it is full
        await t.ReceiveAsync(t._h.Telemetry());

        Task<bool> turn = t._service.ProcessNextBatchAsync(TestContext.Current.CancellationToken);
        t._h.Time.Advance(BatchInterval);
        await IngestionHarness.UntilAsync(() => t.SpoolFullLogs().Count == 1);
        t._h.Time.Advance(TimeSpan.FromSeconds(1));
        await IngestionHarness.UntilAsync(() => t.SpoolFullLogs().Count == 2);
        await IngestionHarness.StillWaitingAsync(turn);
        Assert.Equal(0, t._acks);
        Assert.Equal("InfluxDB is unreachable and the spool is full: not acknowledging, the broker keeps the messages; retrying in 00:00:01", t.SpoolFullLogs()[0]);

        t._h.Spool.Remove(t._h.Spool.PeekOldest()!); // the replay made room
        t._h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await turn.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(1, t._acks);
        Assert.Equal(1, t._h.Spool.Count);
        Assert.Equal(2, t.SpoolFullLogs().Count);
    }

    [Fact]
    public async Task ProcessNextBatchAsync_UndecodableMessage_DeadLettersItAndAcknowledges()
    {
        await ReceiveAsync(new ReceivedMessage("gc/v1/water-level/yd-wl-01/telemetry", "not json"u8.ToArray()));

        Task<bool> turn = _service.ProcessNextBatchAsync(TestContext.Current.CancellationToken);
        _h.Time.Advance(BatchInterval);

        Assert.True(await turn.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Single(_h.DeadLetters.Letters);
        Assert.Empty(_h.Writer.Written);
        Assert.Equal(1, _acks);
        Assert.Contains(_h.Messages<IngestionBatchProcessor>(), m => m.StartsWith("Rejected ", StringComparison.Ordinal) && m.Contains("yd-wl-01", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProcessNextBatchAsync_ConnectionDropped_StoresButLeavesTheMessageToTheBrokersRedelivery()
    {
        await ReceiveAsync(_h.Telemetry());
        _client.Connected = false;

        Task<bool> turn = _service.ProcessNextBatchAsync(TestContext.Current.CancellationToken);
        _h.Time.Advance(BatchInterval);

        Assert.True(await turn.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Single(_h.Writer.Written);
        Assert.Equal(0, _acks);
    }

    [Fact]
    public async Task ProcessNextBatchAsync_StoppingWhileLingering_WritesAndAcknowledgesWhatWasReceivedAndEnds()
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        await ReceiveAsync(_h.Telemetry());

        Task<bool> turn = _service.ProcessNextBatchAsync(stopping.Token);
        await IngestionHarness.StillWaitingAsync(turn);
        await stopping.CancelAsync();

        Assert.False(await turn.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Single(_h.Writer.Written);
        Assert.Equal(1, _acks);
        Assert.Contains("Stopping: writing the 1 messages received and acknowledging them", _h.Messages<MqttIngestionService>());
    }

    [Fact]
    public async Task ProcessNextBatchAsync_StoppedWhileIdle_EndsWithoutWriting()
    {
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();

        Assert.False(await _service.ProcessNextBatchAsync(stopping.Token));
        Assert.Empty(_h.Writer.Written);
    }

    private List<string> SpoolFullLogs() =>
        [.. _h.Messages<IngestionBatchProcessor>().Where(m => m.Contains("spool is full", StringComparison.Ordinal))];

    private Task ReceiveAsync(ReceivedMessage message)
    {
        var args = new MqttApplicationMessageReceivedEventArgs(
            "gardencity-ingest",
            new MqttApplicationMessageBuilder().WithTopic(message.Topic).WithPayload(message.Payload.ToArray()).Build(),
            new MqttPublishPacket(),
            (_, _) =>
            {
                Interlocked.Increment(ref _acks);
                return Task.CompletedTask;
            });
        return _service.OnMessageAsync(args);
    }

    /// <summary>An <see cref="IMqttClient"/> that is connected (or not) and does nothing else.</summary>
    public class FakeMqttClient : DispatchProxy
    {
        public bool Connected { get; set; } = true;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod!.Name switch
        {
            "get_IsConnected" => Connected,
            "Dispose" => null,
            string name when name.StartsWith("add_", StringComparison.Ordinal) || name.StartsWith("remove_", StringComparison.Ordinal) => null,
            _ => throw new NotSupportedException(targetMethod.Name),
        };
    }
}
