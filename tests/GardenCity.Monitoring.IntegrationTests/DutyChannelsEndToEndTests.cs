using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Polly.Registry;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// The duty-room channels over real sockets: loopback receivers for the WeCom robot, the DingTalk robot (checking its
/// signature) and an SMS gateway, and email through a real SMTP server (Debian's aiosmtpd). Channels, named pipelines and
/// options come from DI and configuration as in the host; deliveries go through the durable outbox.
/// </summary>
public sealed class DutyChannelsEndToEndTests : IAsyncLifetime
{
    private const string DingSecret = "SECd1ngTalkT3stSecret+/=";
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-duty-e2e-").FullName;
    private readonly ChannelReceiver _wecom = new();
    private readonly ChannelReceiver _ding = new();
    private readonly ChannelReceiver _sms = new("{\"code\":0,\"msg\":\"queued\"}");
    private readonly SmtpServer _smtp = new();

    public async ValueTask InitializeAsync() => await _smtp.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        _wecom.Dispose();
        _ding.Dispose();
        _sms.Dispose();
        await _smtp.DisposeAsync();
        ServerProcess.DeleteDirectory(_dir);
    }

    private static AlertNotification Flood(int revision = 2) => new()
    {
        NotificationId = $"flood-level.qs-wl-01.20230730T130000Z#{revision}",
        AlertId = "flood-level.qs-wl-01.20230730T130000Z",
        Transition = Transition.Escalated,
        RuleId = "flood-level",
        RuleZh = "洪水预警",
        RuleEn = "Flood warning",
        Audience = Audience.Emergency,
        Severity = Severity.Red,
        PreviousSeverity = Severity.Orange,
        PeakSeverity = Severity.Red,
        Status = AlertStatus.Active,
        StationId = "qs-wl-01",
        StationZh = "清水河水位站",
        StationEn = "Qingshui gauge",
        Site = "qingshui-river",
        Watershed = "qingshui",
        RaisedAt = new DateTimeOffset(2023, 7, 30, 13, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2023, 7, 31, 2, 40, 0, TimeSpan.Zero),
        Value = 4.12,
        Threshold = 4,
        MessageZh = "清水河水位站 水位 4.12 米，达到保证水位",
        MessageEn = "Qingshui gauge: 4.12 m, at the guaranteed level",
    };

    private Dictionary<string, string?> Settings()
    {
        var s = new Dictionary<string, string?>
        {
            ["GardenCity:Duty:Enabled"] = "true",
            ["GardenCity:Duty:DashboardBaseUrl"] = "http://duty.gardencity.test/", // the deprecated key still sets the links (GardenCity:Dashboard:BaseUrl)
            ["GardenCity:Duty:WatershedNamesZh:qingshui"] = "清水河",
            ["GardenCity:Duty:Channels:0:Name"] = "wecom-district",
            ["GardenCity:Duty:Channels:0:Kind"] = "WeCom",
            ["GardenCity:Duty:Channels:0:Url"] = _wecom.Url + "cgi-bin/webhook/send?key=test-key",
            ["GardenCity:Duty:Channels:1:Name"] = "ding-district",
            ["GardenCity:Duty:Channels:1:Kind"] = "DingTalk",
            ["GardenCity:Duty:Channels:1:Url"] = _ding.Url + "robot/send?access_token=test-token",
            ["GardenCity:Duty:Channels:1:Secret"] = DingSecret,
            ["GardenCity:Duty:Channels:2:Name"] = "sms",
            ["GardenCity:Duty:Channels:2:Kind"] = "Sms",
            ["GardenCity:Duty:Channels:2:Sms:Url"] = _sms.Url + "sms/send",
            ["GardenCity:Duty:Channels:2:Sms:Headers:X-Api-Key"] = "gateway-key",
            ["GardenCity:Duty:Channels:2:Sms:BodyTemplate"] = "{\"to\":\"{mobile}\",\"text\":\"{text}\",\"ref\":\"{notification_id}\"}",
            ["GardenCity:Duty:Channels:2:Sms:SuccessBodyPattern"] = "\"code\":0",
            ["GardenCity:Duty:Channels:3:Name"] = "email",
            ["GardenCity:Duty:Channels:3:Kind"] = "Email",
            ["GardenCity:Duty:Channels:3:Smtp:Host"] = "127.0.0.1",
            ["GardenCity:Duty:Channels:3:Smtp:Port"] = _smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Duty:Channels:3:Smtp:Security"] = "None",
            ["GardenCity:Duty:Channels:3:Smtp:From"] = "alerts@gardencity.test",
            ["GardenCity:Duty:Recipients:0:Name"] = "zhang-san",
            ["GardenCity:Duty:Recipients:0:Mobile"] = "13800001111",
            ["GardenCity:Duty:Recipients:0:Email"] = "zhangsan@duty.test",
            ["GardenCity:Duty:Recipients:0:WeComUserId"] = "ZhangSan",
            ["GardenCity:Duty:Routes:0:Name"] = "district-red",
            ["GardenCity:Duty:Routes:0:Audiences:0"] = "Emergency",
            ["GardenCity:Duty:Routes:0:MinSeverity"] = "orange",
            ["GardenCity:Duty:Routes:0:Recipients:0"] = "zhang-san",
        };
        string[] channels = ["wecom-district", "ding-district", "sms", "email"];
        for (int i = 0; i < channels.Length; i++)
        {
            s[$"GardenCity:Duty:Routes:0:Channels:{i}"] = channels[i];
            s[$"GardenCity:Duty:Channels:{i}:RetryDelay"] = "00:00:00.100";
            s[$"GardenCity:Duty:Channels:{i}:Retries"] = "1";
            s[$"GardenCity:Duty:Channels:{i}:RoundInterval"] = "00:00:00.300";
            s[$"GardenCity:Duty:Channels:{i}:BreakerDuration"] = "00:00:01";
            s[$"GardenCity:Duty:Channels:{i}:AttemptTimeout"] = "00:00:05";
        }

        return s;
    }

    /// <summary>The duty layer as the alerting worker builds it, over the state folder (a new one is a restart).</summary>
    private sealed class Duty : IAsyncDisposable
    {
        private readonly ServiceProvider _services;

        public Duty(Dictionary<string, string?> settings, string stateDirectory)
        {
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
            services.AddLogging();
            services.AddMetrics();
            services.AddSingleton(TimeProvider.System);
            services.AddOptions<AlertingOptions>().Configure(o => o.StateDirectory = stateDirectory);
            services.AddDutyChannels();
            _services = services.BuildServiceProvider();
            DutyOptions options = _services.GetRequiredService<IOptions<DutyOptions>>().Value; // validated, as at start
            var channels = DutyServiceCollectionExtensions.BuildChannels(options, _services.GetRequiredService<IHttpClientFactory>(), new DutyMessages(options, _services.GetRequiredService<IOptions<DashboardOptions>>().Value, TestIngestion.Stations), TimeProvider.System);
            Outbox = new Outbox(stateDirectory);
            Log = _services.GetRequiredService<DutyDeliveryLog>();
            Dispatcher = new DutyDispatcher(channels, _services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline, new DutyRouter(options, channels),
                Outbox, Log, TimeProvider.System, NullLogger.Instance, new AlertingMetrics(_services.GetRequiredService<IMeterFactory>()));
            foreach ((string key, AlertNotification n) in Outbox.Pending.Where(p => p.Endpoint.StartsWith(DutyDispatcher.OutboxPrefix, StringComparison.Ordinal)))
            {
                Dispatcher.Enqueue(key, n); // what the last run left, as NotificationPipeline.Start does
            }
        }

        public Outbox Outbox { get; }

        public DutyDeliveryLog Log { get; }

        public DutyDispatcher Dispatcher { get; }

        /// <summary>As NotificationPipeline.Record: durable first, then queued.</summary>
        public void Notify(AlertNotification n)
        {
            var items = Dispatcher.OutboxKeysFor(n).Select(k => (k, n)).ToList();
            Outbox.Add(items);
            items.ForEach(i => Dispatcher.Enqueue(i.k, i.n));
        }

        public async ValueTask DisposeAsync()
        {
            await Dispatcher.DisposeAsync();
            await _services.DisposeAsync();
        }
    }

    private static Task WaitAsync(Func<bool> condition, string what, int seconds = 20) =>
        InfluxServer.WaitUntilAsync(() => Task.FromResult(condition()), TimeSpan.FromSeconds(seconds), () => what, TestContext.Current.CancellationToken);

    [Fact]
    public async Task EachChannel_SendsItsOwnDocumentedFormat()
    {
        await using var duty = new Duty(Settings(), _dir);
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        duty.Notify(Flood());

        await WaitAsync(() => _wecom.Accepted.Count == 1 && _ding.Accepted.Count == 1 && _sms.Accepted.Count == 1 && _smtp.Messages().Count == 1, "every channel delivers");

        // WeCom: POST to the robot's webhook, markdown, mention by <@userid>.
        ChannelReceiver.Request wecom = _wecom.Accepted.Single();
        Assert.Equal(("POST", "/cgi-bin/webhook/send?key=test-key"), (wecom.Method, wecom.RawUrl));
        Assert.StartsWith("application/json", wecom.Headers["Content-Type"], StringComparison.Ordinal);
        using (JsonDocument body = JsonDocument.Parse(wecom.Body))
        {
            Assert.Equal("markdown", body.RootElement.GetProperty("msgtype").GetString());
            string content = body.RootElement.GetProperty("markdown").GetProperty("content").GetString()!;
            Assert.StartsWith("### 【红色洪水预警升级】清水河水位站\n**清水河水位站**（清水河）\n", content, StringComparison.Ordinal);
            Assert.Contains("> 时间：2023-07-31 10:40（北京时间）", content, StringComparison.Ordinal);
            Assert.Contains("[查看预警](http://duty.gardencity.test/?alert=flood-level.qs-wl-01.20230730T130000Z)", content, StringComparison.Ordinal);
            Assert.EndsWith("\n<@ZhangSan>", content, StringComparison.Ordinal);
        }

        // DingTalk: signed URL (checked here with our own HMAC), markdown with title and text, at.atMobiles.
        ChannelReceiver.Request ding = _ding.Accepted.Single();
        Dictionary<string, string> query = ding.RawUrl[(ding.RawUrl.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("test-token", query["access_token"]);
        long timestamp = long.Parse(query["timestamp"], CultureInfo.InvariantCulture);
        Assert.InRange(timestamp, before - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        string expectedSign = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(DingSecret), Encoding.UTF8.GetBytes($"{timestamp}\n{DingSecret}")));
        Assert.Equal(expectedSign, Uri.UnescapeDataString(query["sign"]));
        Assert.DoesNotContain('+', query["sign"]); // URL-encoded
        using (JsonDocument body = JsonDocument.Parse(ding.Body))
        {
            Assert.Equal("markdown", body.RootElement.GetProperty("msgtype").GetString());
            Assert.Equal("【红色洪水预警升级】清水河水位站", body.RootElement.GetProperty("markdown").GetProperty("title").GetString());
            Assert.EndsWith("\n\n@13800001111", body.RootElement.GetProperty("markdown").GetProperty("text").GetString(), StringComparison.Ordinal);
            Assert.Equal(["13800001111"], body.RootElement.GetProperty("at").GetProperty("atMobiles").EnumerateArray().Select(e => e.GetString()));
            Assert.False(body.RootElement.GetProperty("at").GetProperty("isAtAll").GetBoolean());
        }

        // SMS: the configured request shape, the built-in text of one SMS.
        ChannelReceiver.Request sms = _sms.Accepted.Single();
        Assert.Equal(("POST", "/sms/send", "gateway-key"), (sms.Method, sms.RawUrl, sms.Headers["X-Api-Key"]));
        Assert.Equal("{\"to\":\"13800001111\",\"text\":\"【红色洪水预警升级】清水河水位站 4.12（标准4）07-31 10:40，请登录值班台确认\",\"ref\":\"flood-level.qs-wl-01.20230730T130000Z#2\"}", sms.Body);

        // Email through a real SMTP server.
        MimeMessage mail = Assert.Single(_smtp.Messages());
        Assert.Equal("【红色洪水预警升级】清水河水位站", mail.Subject);
        Assert.Equal("zhangsan@duty.test", mail.To.Mailboxes.Single().Address);
        Assert.Equal("alerts@gardencity.test", mail.From.Mailboxes.Single().Address);
        Assert.Contains("确认：值班员密钥 POST http://duty.gardencity.test/api/v1/alerts/flood-level.qs-wl-01.20230730T130000Z/ack", mail.TextBody, StringComparison.Ordinal);

        // Statuses per (revision, channel, recipient).
        await WaitAsync(() => duty.Log.ForAlert(Flood().AlertId).Count(r => r.Status == DutyDeliveryStatus.Sent) == 4, "four sent statuses");
        Assert.Equal(
            ["ding-district/@group", "email/zhang-san", "sms/zhang-san", "wecom-district/@group"],
            duty.Log.ForAlert(Flood().AlertId).Select(r => $"{r.Channel}/{r.Recipient}").Order(StringComparer.Ordinal));
        Assert.Empty(duty.Outbox.Pending);
    }

    [Fact]
    public async Task DeadChannel_DoesNotDelayTheOthers_AndIsDeliveredOnceAfterItReturns_AcrossARestart()
    {
        _ding.Failing = true; // 503 with Retry-After: 1
        var clock = Stopwatch.StartNew();
        var duty = new Duty(Settings(), _dir);
        duty.Notify(Flood());

        await WaitAsync(() => _wecom.Accepted.Count == 1 && _sms.Accepted.Count == 1 && _smtp.Messages().Count == 1, "the live channels deliver");
        // Not held up by the dead one: they are in while it has accepted nothing (and it accepts nothing until revived
        // below); the bound is loose for a loaded machine.
        Assert.Empty(_ding.Accepted);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        // The round (an attempt and a retry after the receiver's Retry-After: 1) fails and is recorded as retrying.
        await WaitAsync(() => duty.Log.ForAlert(Flood().AlertId).Any(r => r.Channel == "ding-district" && r.Status == DutyDeliveryStatus.Retrying && r.Reason!.StartsWith("HTTP 503", StringComparison.Ordinal)), "a failed round of the dead channel");
        Assert.True(_ding.Requests.Count >= 2);
        Assert.Empty(_ding.Accepted);

        // The receiver dies altogether (connection refused), and the alerting worker restarts meanwhile.
        _ding.Kill();
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        await duty.DisposeAsync();
        Assert.Equal(["duty:ding-district:@group"], new Outbox(_dir).Pending.Select(p => p.Endpoint));

        await using var restarted = new Duty(Settings(), _dir);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        _ding.Failing = false;
        _ding.Start();

        await WaitAsync(() => _ding.Accepted.Count == 1, "the DingTalk message after the receiver returns", seconds: 30);
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken); // a second copy would arrive now
        Assert.Single(_ding.Accepted);
        Assert.Equal((1, 1, 1), (_wecom.Accepted.Count, _sms.Accepted.Count, _smtp.Messages().Count)); // the others not sent again
        DutyDeliveryRecord record = Assert.Single(restarted.Log.ForAlert(Flood().AlertId), r => r.Channel == "ding-district");
        Assert.Equal(DutyDeliveryStatus.Sent, record.Status);
        Assert.Empty(restarted.Outbox.Pending);
    }
}
