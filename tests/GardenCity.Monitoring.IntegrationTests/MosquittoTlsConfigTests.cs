using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// deploy/mosquitto/mosquitto.conf, test-started with Debian's mosquitto and certificates made by
/// deploy/tls/make-certs.sh: a station connects over TLS trusting only the generated CA and its reading reaches the
/// ingestion account on the plain listener; plain MQTT to the TLS port and a client that does not trust the CA fail.
/// The configuration is used as it is, except (documented in the file): the listener ports 1883 and 8883 become free
/// loopback ports, and /mosquitto/config/, /mosquitto/certs/ and /mosquitto/data/ become the repository's
/// deploy/mosquitto/, the temporary certificate folder and the broker's temporary data folder.
/// </summary>
public sealed class MosquittoTlsConfigTests
{
    [Fact]
    public async Task DeployedConfiguration_WithGeneratedCertificates_ServesTlsToStationsAndRefusesPlainText()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string certs = Directory.CreateTempSubdirectory("gc-certs-").FullName;
        await using var broker = new MosquittoServer();
        try
        {
            var (code, stdout, stderr) = await Repo.RunAsync("/usr/bin/env", ["GC_TLS_PFX_PASSWORD=test-pfx", "bash", Path.Combine(Repo.Root, "deploy", "tls", "make-certs.sh"), certs]);
            Assert.True(code == 0, stdout + stderr);
            Assert.True(File.Exists(Path.Combine(certs, "server.pfx")), "make-certs.sh wrote no server.pfx");

            int tlsPort = ServerProcess.FreePort();
            string config = "\n" + string.Join('\n', File.ReadLines(Path.Combine(Repo.Root, "deploy", "mosquitto", "mosquitto.conf")).Where(l => !l.StartsWith('#'))) + "\n";
            Assert.Contains("\nlistener 1883\n", config, StringComparison.Ordinal);
            Assert.Contains("\nlistener 8883\n", config, StringComparison.Ordinal);
            config = config
                .Replace("\nlistener 1883\n", $"\nlistener {broker.Port} 127.0.0.1\n", StringComparison.Ordinal)
                .Replace("\nlistener 8883\n", $"\nlistener {tlsPort} 127.0.0.1\n", StringComparison.Ordinal)
                .Replace("/mosquitto/config/", Path.Combine(Repo.Root, "deploy", "mosquitto") + "/", StringComparison.Ordinal)
                .Replace("/mosquitto/certs/", certs + "/", StringComparison.Ordinal)
                .Replace("/mosquitto/data/", broker.DataDirectory + "/", StringComparison.Ordinal);
            Assert.DoesNotContain(" /mosquitto/", config, StringComparison.Ordinal); // every container path replaced
            await broker.StartAsync(ct, config + MosquittoServer.RunAsRoot);

            using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(certs, "ca.crt"));

            // The ingestion account on the plain listener, as the workers on the compose network.
            using IMqttClient worker = new MqttClientFactory().CreateMqttClient();
            var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            worker.ApplicationMessageReceivedAsync += e =>
            {
                received.TrySetResult(e.ApplicationMessage.Topic);
                return Task.CompletedTask;
            };
            Assert.Equal(MqttClientConnectResultCode.Success, (await worker.ConnectAsync(Options(broker.Port, "gardencity-ingest", tls: null), ct)).ResultCode);
            await worker.SubscribeAsync("gc/v1/water-level/+/telemetry", MqttQualityOfServiceLevel.AtLeastOnce, ct);

            // A station over TLS, trusting only the generated CA (chain and host name checked).
            using IMqttClient station = new MqttClientFactory().CreateMqttClient();
            Assert.Equal(MqttClientConnectResultCode.Success, (await station.ConnectAsync(Options(tlsPort, "yd-wl-02", tls: ca), ct)).ResultCode);
            MqttClientPublishResult published = await station.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("gc/v1/water-level/yd-wl-02/telemetry")
                .WithPayload("""{"ts":"2023-07-31T02:15:00Z","seq":1,"values":{"water_level_m":2.2}}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
            Assert.True(published.IsSuccess, published.ReasonString);
            Assert.Equal("gc/v1/water-level/yd-wl-02/telemetry", await received.Task.WaitAsync(TimeSpan.FromSeconds(30), ct));

            // Plain MQTT to the TLS port fails, and so does TLS from a client that trusts another CA (the system's).
            using IMqttClient plain = new MqttClientFactory().CreateMqttClient();
            await Assert.ThrowsAnyAsync<Exception>(() => plain.ConnectAsync(Options(tlsPort, "yd-wl-03", tls: null, timeout: TimeSpan.FromSeconds(5)), ct));
            Assert.False(plain.IsConnected);
            using IMqttClient untrusting = new MqttClientFactory().CreateMqttClient();
            await Assert.ThrowsAnyAsync<Exception>(() => untrusting.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", tlsPort).WithClientId("yd-wl-01")
                .WithCredentials("yd-wl-01", "gc-dev-yd-wl-01").WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(5))
                .WithTlsOptions(o => o.UseTls()).Build(), ct));
            Assert.False(untrusting.IsConnected);

            await station.DisconnectAsync(cancellationToken: ct);
            await worker.DisconnectAsync(cancellationToken: ct);
        }
        finally
        {
            await broker.StopAsync();
            ServerProcess.DeleteDirectory(certs);
        }
    }

    private static MqttClientOptions Options(int port, string user, X509Certificate2? tls, TimeSpan? timeout = null)
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(user + "-" + Guid.NewGuid().ToString("N")[..6])
            .WithCredentials(user, "gc-dev-" + user)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(timeout ?? TimeSpan.FromSeconds(15));
        if (tls is not null)
        {
            builder = builder.WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(e => TrustedBy(tls, e.Certificate, e.SslPolicyErrors)));
        }

        return builder.Build();
    }

    /// <summary>Host name right (127.0.0.1 is in the certificate) and the chain ends at <paramref name="ca"/>, not at a system root.</summary>
    private static bool TrustedBy(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using X509Certificate2 server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(server);
    }
}
