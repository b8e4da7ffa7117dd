using System.Globalization;
using GardenCity.Monitoring.Messaging.Broker;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using GardenCity.Monitoring.Storage.Influx;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Nobody in who should not be: a station with a wrong password, one publishing under another station's id or kind, and
/// one subscribing beyond its command topic, refused by the embedded broker and by Mosquitto with the shipped
/// configuration (deploy/mosquitto: mosquitto.conf, passwd, the generated acl).
/// </summary>
public sealed class BrokerSecurityTests(ServersFixture servers)
{
    [Fact]
    public async Task EmbeddedBroker_RefusesStrangersAndKeepsStationsToTheirOwnTopics()
    {
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, embeddedBroker: true);

        (string user, string password) = ingestion.Host.Services.GetRequiredService<EmbeddedBrokerService>().InternalCredentials;
        await AssertEnforcedAsync(ingestion, ingestion.BrokerPort, (user, password));
    }

    [Fact]
    public async Task MosquittoWithShippedConfiguration_RefusesStrangersAndKeepsStationsToTheirOwnTopics()
    {
        await using var mosquitto = new MosquittoServer();
        string shipped = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "deploy", "mosquitto", "mosquitto.conf"), TestContext.Current.CancellationToken);
        string config = MosquittoCrashTests.WithoutTlsListener(shipped) // the plain listener only (MosquittoTlsConfigTests: TLS)
            .Replace("listener 1883", $"listener {mosquitto.Port} 127.0.0.1", StringComparison.Ordinal)
            .Replace("/mosquitto/config/", Path.Combine(Repo.Root, "deploy", "mosquitto") + "/", StringComparison.Ordinal)
            .Replace("/mosquitto/data/", mosquitto.DataDirectory + "/", StringComparison.Ordinal)
            .Replace("log_dest stdout", "log_dest stderr\nlog_type all", StringComparison.Ordinal) + MosquittoServer.RunAsRoot;
        Assert.Contains("allow_anonymous false", config, StringComparison.Ordinal);
        var (code, acl, stderr) = await Repo.RunAsync("dotnet", [Repo.GardenCityDll, "registry", "mosquitto-acl"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(acl, await File.ReadAllTextAsync(Path.Combine(Repo.Root, "deploy", "mosquitto", "acl"), TestContext.Current.CancellationToken));
        await mosquitto.StartAsync(TestContext.Current.CancellationToken, config);
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, mosquitto: mosquitto, settings: new Dictionary<string, string?>
        {
            ["GardenCity:Mqtt:Username"] = "gardencity-ingest",
            ["GardenCity:Mqtt:Password"] = "gc-dev-gardencity-ingest",
        });

        try
        {
            await AssertEnforcedAsync(ingestion, mosquitto.Port, ("gardencity-ingest", "gc-dev-gardencity-ingest"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException("mosquitto said:\n" + mosquitto.Output, ex);
        }
    }

    private static async Task AssertEnforcedAsync(TestIngestion ingestion, int port, (string User, string Password) service)
    {
        // Wrong password, no credentials, and someone else's id are all refused at CONNECT.
        Assert.NotEqual(MqttClientConnectResultCode.Success, await TryConnectAsync(port, "bhs-ct-07", "bhs-ct-07", "gc-dev-bhs-ct-08"));
        Assert.NotEqual(MqttClientConnectResultCode.Success, await TryConnectAsync(port, "bhs-ct-07", null, null));
        Assert.NotEqual(MqttClientConnectResultCode.Success, await TryConnectAsync(port, "intruder", "intruder", "letmein"));

        Assert.True(await PublishAsStationAsync(port, "gc/v1/camera-trap/bhs-ct-07/event", """{"ts":"2024-10-02T13:47:13Z","seq":1,"event_id":"bhs-ct-07-1","detections":[]}"""));
        Assert.False(await PublishAsStationAsync(port, "gc/v1/camera-trap/bhs-ct-08/event", """{"ts":"2024-10-02T13:47:14Z","seq":1,"event_id":"bhs-ct-08-1","detections":[]}"""));
        Assert.False(await PublishAsStationAsync(port, "gc/v1/weather/bhs-ct-07/telemetry", """{"ts":"2024-10-02T13:47:15Z","seq":2,"values":{"rain_mm":1}}"""));
        Assert.False(await PublishAsStationAsync(port, "gc/v1/alerts/emergency/flood/yd-wl-03", "{}"));
        // A station reads its own command topic and nothing else, whatever it subscribes to (the embedded broker refuses
        // the subscription; Mosquitto grants it and then filters every message by the read ACL).
        var received = new List<string>();
        await using (TestPublisher listener = await TestPublisher.ConnectAsync(port, "bhs-ct-07", "bhs-ct-07", "gc-dev-bhs-ct-07", MqttProtocolVersion.V500))
        {
            listener.Client.ApplicationMessageReceivedAsync += e =>
            {
                lock (received)
                {
                    received.Add(e.ApplicationMessage.Topic);
                }

                return Task.CompletedTask;
            };
            MqttClientSubscribeResult everything = await listener.Client.SubscribeAsync("gc/v1/#", MqttQualityOfServiceLevel.AtLeastOnce, TestContext.Current.CancellationToken);
            MqttClientSubscribeResult commands = await listener.Client.SubscribeAsync("gc/v1/cmd/bhs-ct-07/#", MqttQualityOfServiceLevel.AtLeastOnce, TestContext.Current.CancellationToken);
            Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, Assert.Single(commands.Items).ResultCode);
            Assert.Contains(Assert.Single(everything.Items).ResultCode, new[] { MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.GrantedQoS1 });

            await using (TestPublisher other = await TestPublisher.ConnectAsync(port, "bhs-ct-01", "bhs-ct-01", "gc-dev-bhs-ct-01", MqttProtocolVersion.V500))
            {
                await other.PublishAsync("gc/v1/camera-trap/bhs-ct-01/event", """{"ts":"2024-10-02T13:48:00Z","seq":1,"event_id":"bhs-ct-01-1","detections":[]}""");
            }

            await using (TestPublisher operatorSide = await TestPublisher.ConnectAsync(port, "ops-" + Guid.NewGuid().ToString("N")[..6], service.User, service.Password, MqttProtocolVersion.V500))
            {
                await operatorSide.PublishAsync("gc/v1/cmd/bhs-ct-07/reboot", "{}");
            }

            await InfluxServer.WaitUntilAsync(() => Task.FromResult(received.Contains("gc/v1/cmd/bhs-ct-07/reboot")), TimeSpan.FromSeconds(10), () => string.Join(", ", received), TestContext.Current.CancellationToken);
        }

        lock (received)
        {
            // Mosquitto delivers once per matching subscription (two here): the point is that nothing else arrives.
            Assert.Equal(["gc/v1/cmd/bhs-ct-07/reboot"], received.Distinct());
        }

        // Only the stations' own triggers reached the pipeline; the refused messages never did (not even as dead letters).
        await ingestion.WaitForCountAsync(PointMapper.CameraTrapTrigger, "detections", 2);
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.Equal(["bhs-ct-01", "bhs-ct-07"], (await ingestion.QueryAsync("SELECT * FROM camera_trap_trigger GROUP BY station")).Select(x => x.Tags["station"]).Order());
        Assert.Equal(0, await ingestion.CountAsync(PointMapper.Weather, "rain_mm"));
        Assert.Empty(ingestion.DeadLetters());
    }

    /// <summary>
    /// Publishes as station bhs-ct-07 on a fresh connection; true when the broker accepted it. A refusal is a PUBACK
    /// "not authorized" (embedded broker, Mosquitto) after which MQTTnet 5.2 may also drop the connection with
    /// Mosquitto 2.0.11; both count as refused.
    /// </summary>
    private static async Task<bool> PublishAsStationAsync(int port, string topic, string json)
    {
        await using TestPublisher station = await TestPublisher.ConnectAsync(port, "bhs-ct-07", "bhs-ct-07", "gc-dev-bhs-ct-07", MqttProtocolVersion.V500);
        try
        {
            MqttClientPublishResult result = await station.TryPublishAsync(topic, json);
            Assert.True(result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NotAuthorized, $"unexpected {result.ReasonCode}");
            return result.IsSuccess;
        }
        catch (MQTTnet.Exceptions.MqttClientDisconnectedException)
        {
            return false;
        }
    }

    private static async Task<MqttClientConnectResultCode> TryConnectAsync(int port, string clientId, string? user, string? password)
    {
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithProtocolVersion(MqttProtocolVersion.V500);
        if (user is not null)
        {
            builder = builder.WithCredentials(user, password);
        }

        try
        {
            return (await client.ConnectAsync(builder.Build(), TestContext.Current.CancellationToken)).ResultCode;
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException)
        {
            return MqttClientConnectResultCode.UnspecifiedError; // refused before a CONNACK could be read
        }
    }
}
