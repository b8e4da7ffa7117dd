using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Sockets;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Ingestion;
using GardenCity.Monitoring.Messaging.Broker;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// The embedded broker under attack, over real sockets (issue 11, findings 7, 8, 9 and 11): forged readings from a
/// service account posing as the internal client, CONNECT packets claiming 250 MB, idle connections that never send
/// CONNECT, a 10 MB PUBLISH, a failed-login storm, and an MQTT 3.1.1 station publishing for another station.
/// </summary>
public sealed class BrokerHardeningTests(ServersFixture servers)
{
    private const string OpsUser = "ops-test";
    private const string OpsPassword = "ops-test-pw";
    private static readonly string OpsHash = PasswordHasher.Hash(OpsPassword, 10_000);

    [Fact]
    public async Task Publish_ServiceAccountWithTheInternalClientId_CannotForgeAStationReading()
    {
        await using TestIngestion ingestion = await StartAsync();
        (string user, string password) = ingestion.Host.Services.GetRequiredService<EmbeddedBrokerService>().InternalCredentials;
        var received = new ConcurrentQueue<string>();
        await using TestPublisher watcher = await TestPublisher.ConnectAsync(ingestion.BrokerPort, "watch-" + ingestion.Database, user, password, MqttProtocolVersion.V500);
        watcher.Client.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await watcher.Client.SubscribeAsync("gc/v1/water-level/#", MqttQualityOfServiceLevel.AtLeastOnce, TestContext.Current.CancellationToken);

        MqttClientPublishResult forged;
        await using (TestPublisher attacker = await TestPublisher.ConnectAsync(ingestion.BrokerPort, BrokerAuthorizer.InternalUser, OpsUser, OpsPassword, MqttProtocolVersion.V500))
        {
            forged = await attacker.TryPublishAsync("gc/v1/water-level/qs-wl-01/telemetry", """{"ts":"2024-10-02T16:10:00Z","seq":666,"values":{"water_level_m":9.9}}""");
        }

        await using (TestPublisher station = await TestPublisher.ConnectAsync(ingestion.BrokerPort, "qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01", MqttProtocolVersion.V500))
        {
            await station.PublishAsync("gc/v1/water-level/qs-wl-01/telemetry", """{"ts":"2024-10-02T16:11:00Z","seq":1,"values":{"water_level_m":1.1}}""");
        }

        await InfluxServer.WaitUntilAsync(() => Task.FromResult(!received.IsEmpty), TimeSpan.FromSeconds(10), () => "the station's own reading never arrived", TestContext.Current.CancellationToken);
        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", 1);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        Assert.DoesNotContain(received, m => m.Contains("\"seq\":666", StringComparison.Ordinal)); // nothing reached a subscriber (alerting is one)
        Assert.Equal(1, await ingestion.CountAsync(PointMapper.WaterLevel, "water_level_m"));
    }

    [Fact]
    public async Task Connect_ClaimingA250MBPacket_ClosedBeforeTheBrokerBuffersIt()
    {
        await using TestIngestion ingestion = await StartAsync();
        using var counters = new BrokerCounters(ingestion);
        using Process self = Process.GetCurrentProcess();
        self.Refresh();
        long rssBefore = self.WorkingSet64;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        // Four connections, as in the finding, each sending only the fixed header of a CONNECT of 250,000,000 bytes.
        List<TcpClient> attackers = [];
        foreach (int _ in Enumerable.Range(0, 4))
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", ingestion.BrokerPort, TestContext.Current.CancellationToken);
            byte[] header = [0x10, .. RemainingLength(250_000_000), 0x00, 0x04];
            await tcp.GetStream().WriteAsync(header, TestContext.Current.CancellationToken);
            attackers.Add(tcp);
        }

        bool[] closed = await Task.WhenAll(attackers.Select(a => IsClosedByServerAsync(a, TimeSpan.FromSeconds(5))));
        self.Refresh();
        long rssAfter = self.WorkingSet64;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        attackers.ForEach(a => a.Dispose());
        TestContext.Current.TestOutputHelper?.WriteLine($"RSS before {rssBefore >> 20} MiB, after {rssAfter >> 20} MiB; allocated during the attack {allocated >> 20} MiB");

        Assert.All(closed, Assert.True);
        Assert.True(allocated < 400L << 20, $"{allocated >> 20} MiB allocated during the attack (4 x 250 MB claimed)"); // generous: other tests run alongside
        Assert.True(rssAfter - rssBefore < 400L << 20, $"RSS grew from {rssBefore >> 20} to {rssAfter >> 20} MiB");
        Assert.Equal(4, counters.Sum("broker.connections.closed", "reason", "packet_too_large"));
        await using TestPublisher station = await TestPublisher.ConnectAsync(ingestion.BrokerPort, "qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01", MqttProtocolVersion.V500);
        await station.PublishAsync("gc/v1/water-level/qs-wl-01/telemetry", """{"ts":"2024-10-02T16:11:00Z","seq":1,"values":{"water_level_m":1.1}}""");
    }

    [Fact]
    public async Task Publish_10MB_ConnectionClosedAndNothingStoredWhileAnOversizedPayloadUnderTheLimitIsStillDeadLettered()
    {
        await using TestIngestion ingestion = await StartAsync();
        using var counters = new BrokerCounters(ingestion);

        bool refused;
        TestPublisher flooder = await TestPublisher.ConnectAsync(ingestion.BrokerPort, "qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01", MqttProtocolVersion.V500);
        try
        {
            byte[] huge = new byte[10 * 1024 * 1024];
            huge.AsSpan().Fill((byte)' ');
            refused = !(await flooder.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("gc/v1/water-level/qs-wl-01/telemetry").WithPayload(huge)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken)).IsSuccess;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            refused = true; // the broker closed the connection while the client was still writing
        }
        finally
        {
            try
            {
                await flooder.DisposeAsync(); // its DISCONNECT may meet the closed socket ("broken pipe"): that is the point
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
            }
        }

        // 80 KiB: over the 64 KiB payload limit, under the 128 KiB packet limit: dead-lettered as before (wire contract).
        await using (TestPublisher station = await TestPublisher.ConnectAsync(ingestion.BrokerPort, "qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01", MqttProtocolVersion.V500))
        {
            await station.PublishBytesAsync("gc/v1/water-level/qs-wl-01/telemetry", Enumerable.Repeat((byte)' ', 80 * 1024).ToArray());
        }

        Assert.True(refused);
        Assert.Equal(1, counters.Sum("broker.connections.closed", "reason", "packet_too_large"));
        System.Text.Json.JsonElement letter = Assert.Single(ingestion.DeadLetters());
        Assert.Contains("payload-too-large", letter.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await ingestion.CountAsync(PointMapper.WaterLevel, "water_level_m"));
    }

    [Fact]
    public async Task Connect_NeverSent_IdleConnectionsClosedAfterTheTimeoutAndBeyondTheSourceLimitAtOnce()
    {
        await using TestIngestion ingestion = await StartAsync(new()
        {
            ["GardenCity:Broker:ConnectTimeout"] = "00:00:03",
            ["GardenCity:Broker:MaxPendingConnectionsPerSource"] = "150",
        });
        using var counters = new BrokerCounters(ingestion);

        var started = Stopwatch.StartNew();
        List<TcpClient> idle = [];
        int resetAtConnect = 0;
        foreach (int _ in Enumerable.Range(0, 200))
        {
            var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync("127.0.0.1", ingestion.BrokerPort, TestContext.Current.CancellationToken);
                idle.Add(tcp);
            }
            catch (SocketException)
            {
                resetAtConnect++; // closed by the broker so fast that the connect itself saw the reset
                tcp.Dispose();
            }
        }

        Task<bool>[] waits = idle.Select(c => IsClosedByServerAsync(c, TimeSpan.FromSeconds(20))).ToArray();
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        int closedAtOnce = resetAtConnect + waits.Count(w => w.IsCompleted);
        bool[] closed = await Task.WhenAll(waits);
        TimeSpan all = started.Elapsed;
        idle.ForEach(c => c.Dispose());

        Assert.All(closed, Assert.True);
        Assert.True(closedAtOnce >= 50, $"{closedAtOnce} of the 50 beyond the per-source limit closed within 1 s");
        Assert.True(all < TimeSpan.FromSeconds(15), $"the last idle connection was closed after {all}"); // MQTTnet's default is 100 s
        Assert.Equal(50, counters.Sum("broker.connections.closed", "reason", "pending_limit"));
        await using TestPublisher station = await TestPublisher.ConnectAsync(ingestion.BrokerPort, "qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01", MqttProtocolVersion.V500);
        Assert.True(station.Client.IsConnected);
    }

    [Fact]
    public async Task Connect_FailedLoginStorm_RateLimitedWhileARealStationStillLogsInAndPublishes()
    {
        await using TestIngestion ingestion = await StartAsync(new()
        {
            ["GardenCity:Broker:MaxFailedLoginsPerSource"] = "10",
            ["GardenCity:Broker:FailedLoginWindow"] = "01:00:00", // no refill during the test
        });
        using var counters = new BrokerCounters(ingestion);
        BrokerAuthorizer authorizer = ingestion.Host.Services.GetRequiredService<EmbeddedBrokerService>().Authorizer;
        int port = ingestion.BrokerPort;
        await using TestPublisher station = await TestPublisher.ConnectAsync(port, "qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01", MqttProtocolVersion.V500);
        int seq = 0;
        List<double> quiet = await PublishTimedAsync(station, () => ++seq, 20);
        long checksBefore = authorizer.PasswordHashChecks;

        // 400 wrong passwords from 16 clients at a time, half of them for the real station's id, half for ids that do not exist.
        var codes = new ConcurrentBag<MqttClientConnectResultCode>();
        var storm = Task.Run(async () => await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = TestContext.Current.CancellationToken }, async (i, ct) =>
        {
            string id = i % 2 == 0 ? "qs-wl-01" : "ghost-" + i.ToString(CultureInfo.InvariantCulture);
            codes.Add(await TryConnectAsync(port, id, id, "guess-" + i.ToString(CultureInfo.InvariantCulture)));
        }), TestContext.Current.CancellationToken);
        List<double> stormy = [];
        while (!storm.IsCompleted)
        {
            stormy.AddRange(await PublishTimedAsync(station, () => ++seq, 5));
        }

        await storm;
        long checks = authorizer.PasswordHashChecks - checksBefore;
        await using TestPublisher again = await TestPublisher.ConnectAsync(port, "qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01", MqttProtocolVersion.V500);
        await again.PublishAsync("gc/v1/water-level/qs-wl-01/telemetry", Reading(++seq));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"PUBACK ms quiet: median {Median(quiet):F1}, max {quiet.Max():F1}; during the storm: median {Median(stormy):F1}, max {stormy.Max():F1} ({stormy.Count} publishes); PBKDF2 checks {checks}; refusals {string.Join(", ", codes.GroupBy(c => c).Select(g => $"{g.Key} {g.Count()}"))}");

        Assert.Equal(400, codes.Count);
        Assert.DoesNotContain(MqttClientConnectResultCode.Success, codes);
        Assert.True(checks <= 10, $"{checks} PBKDF2 checks for 400 wrong passwords");
        Assert.True(codes.Count(c => c == MqttClientConnectResultCode.QuotaExceeded) >= 390, string.Join(", ", codes.GroupBy(c => c).Select(g => $"{g.Key} {g.Count()}")));
        Assert.True(counters.Sum("broker.logins.refused", "reason", "rate_limited") >= 390);
        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", seq);
    }

    [Fact]
    public async Task Connect_UnknownAndKnownIdRefused_EachCostsOnePbkdf2()
    {
        await using TestIngestion ingestion = await StartAsync();
        BrokerAuthorizer authorizer = ingestion.Host.Services.GetRequiredService<EmbeddedBrokerService>().Authorizer;

        long start = authorizer.PasswordHashChecks;
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await TryConnectAsync(ingestion.BrokerPort, "ghost-99", "ghost-99", "guess"));
        long unknown = authorizer.PasswordHashChecks - start;
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await TryConnectAsync(ingestion.BrokerPort, "qs-wl-02", "qs-wl-02", "guess"));
        long known = authorizer.PasswordHashChecks - start - unknown;

        Assert.Equal(1, unknown);
        Assert.Equal(1, known);
    }

    [Fact]
    public async Task Publish_Mqtt311StationOnAnotherStationsTopic_DisconnectedCountedAndNotStored()
    {
        await using TestIngestion ingestion = await StartAsync();
        using var counters = new BrokerCounters(ingestion);

        await using TestPublisher station = await TestPublisher.ConnectAsync(ingestion.BrokerPort, "bhs-ct-07", "bhs-ct-07", "gc-dev-bhs-ct-07", MqttProtocolVersion.V311);
        bool acknowledged;
        try
        {
            acknowledged = (await station.TryPublishAsync("gc/v1/camera-trap/bhs-ct-08/event", """{"ts":"2024-10-02T13:47:14Z","seq":1,"event_id":"bhs-ct-08-1","detections":[]}""")).IsSuccess;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            acknowledged = false;
        }

        await InfluxServer.WaitUntilAsync(() => Task.FromResult(!station.Client.IsConnected), TimeSpan.FromSeconds(10), () => "the 3.1.1 station is still connected", TestContext.Current.CancellationToken);
        await using (TestPublisher own = await TestPublisher.ConnectAsync(ingestion.BrokerPort, "bhs-ct-07", "bhs-ct-07", "gc-dev-bhs-ct-07", MqttProtocolVersion.V311))
        {
            await own.PublishAsync("gc/v1/camera-trap/bhs-ct-07/event", """{"ts":"2024-10-02T13:47:13Z","seq":1,"event_id":"bhs-ct-07-1","detections":[]}""");
        }

        await ingestion.WaitForCountAsync(PointMapper.CameraTrapTrigger, "detections", 1);
        Assert.False(acknowledged);
        Assert.Equal(1, counters.Sum("broker.publishes.refused", "protocol", "3.1.1"));
        Assert.Equal(["bhs-ct-07"], (await ingestion.QueryAsync("SELECT * FROM camera_trap_trigger GROUP BY station")).Select(x => x.Tags["station"]));
    }

    private Task<TestIngestion> StartAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["GardenCity:Broker:ServiceAccounts:0:Username"] = OpsUser,
            ["GardenCity:Broker:ServiceAccounts:0:PasswordHash"] = OpsHash,
        };
        foreach ((string key, string? value) in extra ?? [])
        {
            settings[key] = value;
        }

        return TestIngestion.StartAsync(servers, embeddedBroker: true, settings: settings);
    }

    private static string Reading(int seq)
    {
        string ts = new DateTimeOffset(2024, 10, 2, 0, 0, 0, TimeSpan.Zero).AddSeconds(seq).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return "{\"ts\":\"" + ts + "\",\"seq\":" + seq.ToString(CultureInfo.InvariantCulture) + ",\"values\":{\"water_level_m\":1.5}}";
    }

    private static async Task<List<double>> PublishTimedAsync(TestPublisher station, Func<int> nextSeq, int count)
    {
        var took = new List<double>();
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await station.PublishAsync("gc/v1/water-level/qs-wl-01/telemetry", Reading(nextSeq()));
            took.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return took;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<MqttClientConnectResultCode> TryConnectAsync(int port, string clientId, string user, string password)
    {
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptions options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500).WithCredentials(user, password).WithTimeout(TimeSpan.FromSeconds(30)).Build();
        try
        {
            return (await client.ConnectAsync(options, TestContext.Current.CancellationToken)).ResultCode;
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException)
        {
            return MqttClientConnectResultCode.UnspecifiedError; // refused before a CONNACK could be read
        }
    }

    /// <summary>True when the broker closes the connection (end of stream or reset) within <paramref name="timeout"/>.</summary>
    private static async Task<bool> IsClosedByServerAsync(TcpClient client, TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        var buffer = new byte[16];
        try
        {
            while (await client.GetStream().ReadAsync(buffer, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static byte[] RemainingLength(int value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value % 128);
            value /= 128;
            bytes.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);
        return [.. bytes];
    }

    /// <summary>The broker's counters of one test host (its own meter factory: other tests' brokers are not counted).</summary>
    private sealed class BrokerCounters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentBag<(string Name, KeyValuePair<string, object?>[] Tags, long Value)> _measurements = [];

        public BrokerCounters(TestIngestion ingestion)
        {
            IMeterFactory factory = ingestion.Host.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == IngestionMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name.StartsWith("broker.", StringComparison.Ordinal))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Add((instrument.Name, tags.ToArray(), value)));
            _listener.Start();
        }

        public long Sum(string name, string tag, string value) =>
            _measurements.Where(m => m.Name == name && m.Tags.Any(t => t.Key == tag && Equals(t.Value, value))).Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();
    }
}
