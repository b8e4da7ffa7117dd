using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// The duty-room channels inside <c>gardencity run</c>: a configuration error names its key and stops the start (exit 2);
/// a raised alert reaches a DingTalk robot and an SMS gateway on loopback through the real alerting pipeline, and the
/// delivery outcomes land in the alert history (<c>alert_delivery</c>).
/// </summary>
public sealed class DutyChannelsHostTests(ServersFixture servers)
{
    [Theory]
    [InlineData("GardenCity:Duty:Routes:0:Channels:0=nowhere", "Configuration error: GardenCity:Duty:Routes:0:Channels:0 'nowhere' is not a channel")]
    [InlineData("GardenCity:Duty:Routes:0:MinSeverity=purple", "Configuration error: GardenCity:Duty:Routes:0:MinSeverity: MinSeverity is info, blue, yellow, orange or red")]
    [InlineData("GardenCity:Duty:Channels:0:Url=", "Configuration error: GardenCity:Duty:Channels:0:Url must be the robot's http(s) webhook URL")]
    [InlineData("GardenCity:Duty:Channels:0:AttemptTimeout=00:00:00", "Configuration error: The field GardenCity:Duty:Channels:0:AttemptTimeout must be between")]
    public async Task Run_InvalidDutyConfiguration_ExitsTwoNamingTheKey(string setting, string expected)
    {
        string[] valid =
        [
            "GardenCity:Duty:Enabled=true",
            "GardenCity:Duty:Channels:0:Name=ding",
            "GardenCity:Duty:Channels:0:Kind=DingTalk",
            "GardenCity:Duty:Channels:0:Url=http://127.0.0.1:9/robot/send?access_token=t",
            "GardenCity:Duty:Routes:0:Audiences:0=Emergency",
            "GardenCity:Duty:Routes:0:Channels:0=ding",
        ];
        var arguments = new List<string> { Repo.GardenCityDll, "run", "--roles", "alerting", "--set", "GardenCity:Mqtt:Host=127.0.0.1" };
        foreach (string s in valid.Where(v => v.Split('=')[0] != setting.Split('=')[0]).Append(setting))
        {
            arguments.AddRange(["--set", s]);
        }

        var (code, stdout, stderr) = await Repo.RunAsync("dotnet", arguments);

        Assert.True(code == 2, stdout + stderr);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RaisedAlert_ReachesTheDutyChannels_AndTheirOutcomesAreInTheHistory()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        const string Station = "bhs-wx-01";
        using var ding = new ChannelReceiver();
        using var sms = new ChannelReceiver("{\"code\":0}");
        using GardenCityRun run = GardenCityRun.Create(servers, "duty-host").WithEmbeddedBroker().WithRules("rain.yaml", AlertingLifecycleTests.Rule(3));
        int broker = run.BrokerPort, api = run.ApiPort;
        string database = run.Database;
        foreach ((string key, string value) in new Dictionary<string, string>
        {
            ["GardenCity:Duty:Enabled"] = "true",
            ["GardenCity:Dashboard:BaseUrl"] = "http://duty.gardencity.test/",
            ["GardenCity:Duty:Channels:0:Name"] = "ding-district",
            ["GardenCity:Duty:Channels:0:Kind"] = "DingTalk",
            ["GardenCity:Duty:Channels:0:Url"] = ding.Url + "robot/send?access_token=t",
            ["GardenCity:Duty:Channels:0:Secret"] = "SEChost",
            ["GardenCity:Duty:Channels:1:Name"] = "sms",
            ["GardenCity:Duty:Channels:1:Kind"] = "Sms",
            ["GardenCity:Duty:Channels:1:Sms:Url"] = sms.Url + "send?to={mobile}",
            ["GardenCity:Duty:Recipients:0:Name"] = "zhang-san",
            ["GardenCity:Duty:Recipients:0:Mobile"] = "13800001111",
            ["GardenCity:Duty:Routes:0:Audiences:0"] = "Emergency",
            ["GardenCity:Duty:Routes:0:MinSeverity"] = "red",
            ["GardenCity:Duty:Routes:0:Channels:0"] = "ding-district",
            ["GardenCity:Duty:Routes:0:Channels:1"] = "sms",
            ["GardenCity:Duty:Routes:0:Recipients:0"] = "zhang-san",
        })
        {
            run.With(key, value);
        }

        using GardenCityProcess process = await run.StartAsync();
        Assert.Contains("Duty-room channels running: ding-district (DingTalk), sms (Sms)", process.Output, StringComparison.Ordinal);
        await using (TestPublisher station = await TestPublisher.ConnectAsync(broker, Station, Station, "gc-dev-" + Station))
        {
            await station.PublishAsync($"gc/v1/weather/{Station}/telemetry", """{"ts":"2024-08-01T00:00:00Z","seq":1,"values":{"rain_mm":5}}""");
        }

        await InfluxServer.WaitUntilAsync(() => Task.FromResult(ding.Accepted.Count == 1 && sms.Accepted.Count == 1), TimeSpan.FromSeconds(30), () => process.Output, ct);
        using (JsonDocument body = JsonDocument.Parse(ding.Accepted[0].Body))
        {
            Assert.Equal("【红色强降雨】百花山气象站", body.RootElement.GetProperty("markdown").GetProperty("title").GetString());
            Assert.Equal(["13800001111"], body.RootElement.GetProperty("at").GetProperty("atMobiles").EnumerateArray().Select(e => e.GetString()));
        }

        Assert.Contains("sign=", ding.Accepted[0].RawUrl, StringComparison.Ordinal);
        Assert.StartsWith("/send?to=13800001111", sms.Accepted[0].RawUrl, StringComparison.Ordinal);
        Assert.Contains("【红色强降雨】百花山气象站", sms.Accepted[0].Body, StringComparison.Ordinal);

        // The outcomes through the API, per (revision, channel, recipient).
        using var http = new HttpClient();
        JsonElement[] deliveries = [];
        await InfluxServer.WaitUntilAsync(async () =>
        {
            string alertId = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{api}/api/v1/alerts/active"), ct)).RootElement[0].GetProperty("alert_id").GetString()!;
            deliveries = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{api}/api/v1/alerts/{alertId}/deliveries"), ct)).RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
            return deliveries.Length == 2 && deliveries.All(d => d.GetProperty("status").GetString() == "sent");
        }, TimeSpan.FromSeconds(30), () => "deliveries not sent: " + string.Join(", ", deliveries.Select(d => d.ToString())), ct);
        Assert.Equal(["ding-district/@group", "sms/zhang-san"], deliveries.Select(d => $"{d.GetProperty("channel").GetString()}/{d.GetProperty("recipient").GetString()}").Order(StringComparer.Ordinal));
        Assert.All(deliveries, d => Assert.EndsWith("#1", d.GetProperty("notification_id").GetString(), StringComparison.Ordinal));

        // The outcomes in the alert history, one point per (revision, channel, recipient).
        var query = new Storage.Influx.InfluxQlClient(http, Microsoft.Extensions.Options.Options.Create(new Storage.Influx.InfluxOptions { Url = servers.Influx.Url, Database = database }));
        await InfluxServer.WaitUntilAsync(async () =>
        {
            var series = await query.QueryAsync("SELECT count(\"rounds\") FROM \"alert_delivery\" WHERE \"status\" = 'sent'", Storage.Influx.InfluxTarget.Forever, ct);
            return series.Count == 1 && series[0].Get(0, "count").GetInt64() == 2;
        }, TimeSpan.FromSeconds(30), () => "alert_delivery points missing\n" + process.Output, ct);
        await process.TerminateAsync();
    }
}
