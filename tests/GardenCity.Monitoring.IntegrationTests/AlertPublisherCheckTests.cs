using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Messaging.Broker;
using GardenCity.Monitoring.Messaging.Client;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// The alert publisher's check at connect (docs/alerting.md, "The alert publisher's check") against a real Mosquitto with
/// the shipped password file: with the shipped ACL the check is an empty retained message that subscribers see as a
/// cleared topic and that leaves nothing retained; with an ACL that lets the alerting account read but not write alert
/// topics, connecting fails at once with what to mend, instead of at the first alert.
/// </summary>
public sealed class AlertPublisherCheckTests
{
    private const string ClientId = "gc-check-alerting";
    private static readonly string Deploy = Path.Combine(Repo.Root, "deploy", "mosquitto");

    [Fact]
    public async Task Connect_ShippedAcl_PublishesAnEmptyRetainedCheckThatLeavesNothingRetained()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(ct, Config(mosquitto, Path.Combine(Deploy, "acl")));
        var seen = new List<(string Topic, int Length)>();
        await using TestPublisher watcher = await WatchAlertsAsync(mosquitto.Port, "gc-check-watcher", seen, ct);

        await using AlertTopicPublisher publisher = Publisher(mosquitto.Port);
        await publisher.ConnectAsync(ct);

        string topic = AlertTopicPublisher.CheckTopic(ClientId);
        Assert.Equal("gc/v1/alerts/maintenance/publisher-check/gc-check-alerting", topic);
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(seen.Count > 0), TimeSpan.FromSeconds(10), () => "the watcher saw nothing:\n" + mosquitto.Output, ct);
        lock (seen)
        {
            Assert.Equal([(topic, 0)], seen);
        }

        // A new subscriber gets no retained message from it: the broker kept nothing.
        var retained = new List<(string Topic, int Length)>();
        await using TestPublisher late = await WatchAlertsAsync(mosquitto.Port, "gc-check-late", retained, ct);
        await Task.Delay(1000, ct);
        lock (retained)
        {
            Assert.Empty(retained);
        }
    }

    [Fact]
    public async Task Connect_AclWithoutAlertTopics_FailsAtOnceNamingTheTopicsAndTheAcl()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using var mosquitto = new MosquittoServer();
        string acl = Path.Combine(mosquitto.DataDirectory, "acl");
        await File.WriteAllTextAsync(acl, "user gardencity-alerting\ntopic read gc/v1/#\n", ct); // the write lines forgotten
        await mosquitto.StartAsync(ct, Config(mosquitto, acl));

        await using AlertTopicPublisher publisher = Publisher(mosquitto.Port);
        AlertPublisherRefusedException refused = await Assert.ThrowsAsync<AlertPublisherRefusedException>(() => publisher.ConnectAsync(ct));

        Assert.Contains("gc/v1/alerts/maintenance/publisher-check/gc-check-alerting", refused.Message, StringComparison.Ordinal);
        Assert.Contains("write access to gc/v1/alerts/#", refused.Message, StringComparison.Ordinal);
        Assert.Contains("gardencity registry mosquitto-acl", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A subscriber of every alert topic (as the ingestion account, which may read them) that notes what arrives.</summary>
    private static async Task<TestPublisher> WatchAlertsAsync(int port, string clientId, List<(string Topic, int Length)> seen, CancellationToken ct)
    {
        TestPublisher watcher = await TestPublisher.ConnectAsync(port, clientId, "gardencity-ingest", "gc-dev-gardencity-ingest", MqttProtocolVersion.V500);
        watcher.Client.ApplicationMessageReceivedAsync += e =>
        {
            lock (seen)
            {
                seen.Add((e.ApplicationMessage.Topic, (int)e.ApplicationMessage.Payload.Length));
            }

            return Task.CompletedTask;
        };
        await watcher.Client.SubscribeAsync("gc/v1/alerts/#", MqttQualityOfServiceLevel.AtLeastOnce, ct);
        return watcher;
    }

    private static AlertTopicPublisher Publisher(int port) => new(
        Options.Create(new AlertingOptions { ClientId = ClientId, Username = "gardencity-alerting", Password = "gc-dev-gardencity-alerting" }),
        Options.Create(new MqttConnectionOptions { Host = "127.0.0.1", Port = port }),
        Array.Empty<EmbeddedBrokerService>());

    private static string Config(MosquittoServer mosquitto, string acl) => $"""
        listener {mosquitto.Port} 127.0.0.1
        allow_anonymous false
        password_file {Path.Combine(Deploy, "passwd")}
        acl_file {acl}
        persistence false
        log_dest stderr
        log_type all
        """ + MosquittoServer.RunAsRoot;
}
