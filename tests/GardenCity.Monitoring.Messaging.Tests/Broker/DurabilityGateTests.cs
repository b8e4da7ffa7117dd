using System.Collections.Concurrent;
using System.Diagnostics;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Messaging.Broker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.Messaging.Tests.Broker;

/// <summary>
/// All-in-one mode over a real socket: the embedded broker takes a station's next messages while the earlier ones are
/// still being made durable, and yet no PUBACK reaches the station before its message is durable; a message that will
/// not become durable gets no PUBACK at all, and the connection is closed.
/// </summary>
public sealed class DurabilityGateTests
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task StationPublishesThree_AllTakenBeforeAnyIsDurable_NoPubAckBeforeItsMessageIsDurable()
    {
        var interceptor = new HeldInterceptor();
        await using var broker = await StartAsync(interceptor);
        using IMqttClient station = await ConnectAsync(broker.Port);

        Task<MqttClientPublishResult>[] publishes = [.. Enumerable.Range(1, 3).Select(i => station.PublishAsync(Message(i), Ct))];

        // All three reach the interceptor although none is durable: the broker did not wait for the first one.
        await UntilAsync(() => interceptor.Taken.Count == 3);
        await Task.Delay(300, Ct);
        Assert.All(publishes, p => Assert.False(p.IsCompleted, "a PUBACK came before its message was durable"));

        // The first two PUBACKs may still wait for the third (a connection's PUBACKs wait for the last message taken
        // before they were written: safe, at most a batch later); the third must.
        interceptor.MakeDurable(1);
        interceptor.MakeDurable(2);
        await Task.Delay(300, Ct);
        Assert.False(publishes[2].IsCompleted, "the third PUBACK came before the third message was durable");

        interceptor.MakeDurable(3);
        MqttClientPublishResult[] results = await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.All(results, r => Assert.True(r.IsSuccess, r.ReasonString));
        Assert.Equal(3, interceptor.Taken.Count);
    }

    [Fact]
    public async Task MessageThatWillNotBeDurable_NoPubAck_TheStationIsDisconnected()
    {
        var interceptor = new HeldInterceptor();
        await using var broker = await StartAsync(interceptor);
        using IMqttClient station = await ConnectAsync(broker.Port);
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        station.DisconnectedAsync += _ => { disconnected.TrySetResult(); return Task.CompletedTask; };

        Task<MqttClientPublishResult> publish = station.PublishAsync(Message(1), Ct);
        await UntilAsync(() => interceptor.Taken.Count == 1);
        interceptor.Cancel(1); // what a stopping worker does with a message it did not make durable

        await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await Assert.ThrowsAnyAsync<Exception>(() => publish.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    private static async Task<Broker> StartAsync(IPublishInterceptor interceptor)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new BrokerMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var service = new EmbeddedBrokerService(Options.Create(new EmbeddedBrokerOptions { Port = 0 }), Registry, metrics, TimeProvider.System, NullLogger<EmbeddedBrokerService>.Instance);
        service.InterceptWith(interceptor);
        await service.StartAsync(Ct);
        return new Broker(service, metrics, services);
    }

    private static async Task<IMqttClient> ConnectAsync(int port)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("yd-wl-01")
            .WithCredentials("yd-wl-01", "gc-dev-yd-wl-01").WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build(), Ct);
        return client;
    }

    private static MqttApplicationMessage Message(int seq) => new MqttApplicationMessageBuilder()
        .WithTopic("gc/v1/water-level/yd-wl-01/telemetry")
        .WithPayload("{\"ts\":\"2026-07-30T08:00:0" + seq + "Z\",\"seq\":" + seq + ",\"values\":{\"water_level_m\":2.5}}")
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.True(condition(), "not reached within 10 s");
    }

    /// <summary>Takes every message at once; each becomes durable only when the test says so (in order, as the contract requires).</summary>
    private sealed class HeldInterceptor : IPublishInterceptor
    {
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _durable = new();

        public ConcurrentQueue<string> Taken { get; } = new();

        public ValueTask<Task> TakeAsync(string topic, ReadOnlyMemory<byte> payload, ActivityContext traceParent, CancellationToken cancellationToken)
        {
            Taken.Enqueue(System.Text.Encoding.UTF8.GetString(payload.Span));
            return ValueTask.FromResult(Durable(Taken.Count).Task);
        }

        public void MakeDurable(int seq) => Durable(seq).TrySetResult();

        public void Cancel(int seq) => Durable(seq).TrySetCanceled();

        private TaskCompletionSource Durable(int seq) => _durable.GetOrAdd(seq, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private sealed class Broker(EmbeddedBrokerService service, BrokerMetrics metrics, ServiceProvider services) : IAsyncDisposable
    {
        public int Port => service.Port;

        public async ValueTask DisposeAsync()
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
            metrics.Dispose();
            await services.DisposeAsync();
        }
    }
}
