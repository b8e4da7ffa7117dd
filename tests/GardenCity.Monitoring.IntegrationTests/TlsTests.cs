using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using MQTTnet;
using MQTTnet.Formatter;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>The embedded broker's TLS listener, configured as documented, used by a station over TLS.</summary>
public sealed class TlsTests(ServersFixture servers)
{
    private static async Task<(string Dir, string Pfx)> SelfSignedAsync()
    {
        string dir = Directory.CreateTempSubdirectory("gc-tls-").FullName;
        string pfx = Path.Combine(dir, "server.pfx");
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-pass"), TestContext.Current.CancellationToken);
        return (dir, pfx);
    }

    [Fact]
    public async Task HealthEndpoint_Https_AnswersOverTls()
    {
        (string dir, string pfx) = await SelfSignedAsync();
        int healthPort = ServerProcess.FreePort();
        try
        {
            using GardenCityProcess process = await GardenCityProcess.StartAsync(new Dictionary<string, string>
            {
                ["GardenCity:Broker:Port"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["GardenCity:Influx:Url"] = servers.Influx.Url,
                ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
                ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dead-letter"),
                ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
                ["GardenCity:Health:Url"] = $"https://127.0.0.1:{healthPort}",
                ["GardenCity:Health:CertificatePath"] = pfx,
                ["GardenCity:Health:CertificatePassword"] = "pfx-pass",
            }, ready: "Embedded MQTT broker listening");
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Subject == "CN=127.0.0.1" };
            using var http = new HttpClient(handler);

            string? answer = null;
            await InfluxServer.WaitUntilAsync(async () =>
            {
                try
                {
                    answer = await http.GetStringAsync($"https://127.0.0.1:{healthPort}/healthz", TestContext.Current.CancellationToken);
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false; // Kestrel starts after the broker
                }
            }, TimeSpan.FromSeconds(30), () => "no answer over https:\n" + process.Output, TestContext.Current.CancellationToken);

            Assert.Equal("Healthy", answer);
            Assert.DoesNotContain("pfx-pass", process.Output, StringComparison.Ordinal);
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    /// <summary>
    /// The API and dashboard over https as docker-compose.yml serves them: GardenCity:Api:Url https with the PKCS#12 file
    /// deploy/tls/make-certs.sh makes, trusted through the generated CA; plain http to the port gets no answer.
    /// </summary>
    [Fact]
    public async Task ApiAndDashboard_HttpsWithMakeCertsCertificate_AnswerOverTlsTrustedByTheGeneratedCa()
    {
        string dir = Directory.CreateTempSubdirectory("gc-api-tls-").FullName;
        int apiPort = ServerProcess.FreePort();
        try
        {
            var (code, stdout, stderr) = await Repo.RunAsync("/usr/bin/env", ["GC_TLS_PFX_PASSWORD=pfx-secret-1", "bash", Path.Combine(Repo.Root, "deploy", "tls", "make-certs.sh"), Path.Combine(dir, "certs")]);
            Assert.True(code == 0, stdout + stderr);
            using GardenCityProcess process = await GardenCityProcess.StartAsync(new Dictionary<string, string>
            {
                ["GardenCity:Roles"] = "api",
                ["GardenCity:Broker:Port"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["GardenCity:Influx:Url"] = servers.Influx.Url,
                ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
                ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dead-letter"),
                ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
                ["GardenCity:Api:Url"] = $"https://127.0.0.1:{apiPort}",
                ["GardenCity:Api:CertificatePath"] = Path.Combine(dir, "certs", "server.pfx"),
                ["GardenCity:Api:CertificatePassword"] = "pfx-secret-1",
            }, ready: "Embedded MQTT broker listening");
            using X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, "certs", "ca.crt"));
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, cert, _, errors) =>
                {
                    if (cert is null || (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != System.Net.Security.SslPolicyErrors.None)
                    {
                        return false; // the host name must match
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(cert);
                },
            };
            using var https = new HttpClient(handler);

            HttpResponseMessage? dashboard = null;
            await InfluxServer.WaitUntilAsync(async () =>
            {
                try
                {
                    dashboard = await https.GetAsync(new Uri($"https://127.0.0.1:{apiPort}/"), TestContext.Current.CancellationToken);
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false; // Kestrel starts after the broker
                }
            }, TimeSpan.FromSeconds(30), () => "no answer over https:\n" + process.Output, TestContext.Current.CancellationToken);

            Assert.Equal(System.Net.HttpStatusCode.OK, dashboard!.StatusCode);
            Assert.Contains("text/html", dashboard.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await Assert.ThrowsAnyAsync<Exception>(() => plain.GetStringAsync(new Uri($"http://127.0.0.1:{apiPort}/"), TestContext.Current.CancellationToken));
            Assert.DoesNotContain("pfx-secret-1", process.Output, StringComparison.Ordinal);
            dashboard.Dispose();
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    /// <summary>A wrong certificate password is a configuration error at start (exit 2, both settings named), not an exception.</summary>
    [Fact]
    public async Task Api_HttpsWithWrongCertificatePassword_ExitsTwoNamingTheSettings()
    {
        string dir = Directory.CreateTempSubdirectory("gc-api-tls-").FullName;
        try
        {
            var (made, madeOut, madeErr) = await Repo.RunAsync("/usr/bin/env", ["GC_TLS_PFX_PASSWORD=pfx-secret-2", "bash", Path.Combine(Repo.Root, "deploy", "tls", "make-certs.sh"), dir]);
            Assert.True(made == 0, madeOut + madeErr);

            var (code, stdout, stderr) = await Repo.RunAsync("dotnet", [Repo.GardenCityDll, "run", "--roles", "api", "--set", "GardenCity:Mqtt:Host=127.0.0.1", "--set", "GardenCity:Health:Url=",
                "--set", "GardenCity:Api:Url=https://127.0.0.1:8443", "--set", $"GardenCity:Api:CertificatePath={dir}/server.pfx", "--set", "GardenCity:Api:CertificatePassword=not-the-password"]);

            Assert.True(code == 2, stdout + stderr);
            Assert.Contains($"Configuration error: GardenCity:Api:CertificatePath '{dir}/server.pfx' cannot be used with GardenCity:Api:CertificatePassword: ", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-password", stdout + stderr, StringComparison.Ordinal);
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task EmbeddedBroker_TlsListener_StationPublishesOverTls()
    {
        (string dir, string pfx) = await SelfSignedAsync();

        int tlsPort = ServerProcess.FreePort();
        try
        {
            await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, embeddedBroker: true, settings: new Dictionary<string, string?>
            {
                ["GardenCity:Broker:TlsPort"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["GardenCity:Broker:TlsCertificatePath"] = pfx,
                ["GardenCity:Broker:TlsCertificatePassword"] = "pfx-pass",
            });
            using IMqttClient client = new MqttClientFactory().CreateMqttClient();
            MqttClientOptions options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", tlsPort)
                .WithClientId("yd-wl-02").WithCredentials("yd-wl-02", "gc-dev-yd-wl-02")
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithTlsOptions(o => o.WithCertificateValidationHandler(_ => true)) // self-signed test certificate
                .Build();

            Assert.Equal(MqttClientConnectResultCode.Success, (await client.ConnectAsync(options, TestContext.Current.CancellationToken)).ResultCode);
            MqttClientPublishResult result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("gc/v1/water-level/yd-wl-02/telemetry")
                .WithPayload("""{"ts":"2023-07-31T02:15:00Z","seq":1,"values":{"water_level_m":2.2}}""").WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);

            Assert.True(result.IsSuccess);
            Assert.Equal(1, await ingestion.CountAsync(PointMapper.WaterLevel, "water_level_m"));
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }
}
