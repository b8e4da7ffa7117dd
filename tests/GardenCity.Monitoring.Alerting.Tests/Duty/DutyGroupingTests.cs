using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Alerting.Duty.Grouping;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Core.Alerts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Polly;
using static GardenCity.Monitoring.Alerting.Tests.Duty.DutyTestData;

namespace GardenCity.Monitoring.Alerting.Tests.Duty;

/// <summary>Grouping windows on a fake clock, through the real outbox and dispatcher, across a restart.</summary>
public sealed class DutyGroupingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-group-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<DutyDelivery> _released = [];
    private readonly List<DutyDecision> _decisions = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DutyGroupingOptions Options()
    {
        var o = new DutyGroupingOptions { Enabled = true, Window = TimeSpan.FromMinutes(2) };
        o.AudienceWindows[Audience.Maintenance] = TimeSpan.FromMinutes(10);
        return o;
    }

    private DutyGrouper Grouper(DutyGroupingOptions? o = null) => new(o ?? Options(), _dir, _time, _released.Add, _decisions.Add);

    /// <summary>An orange flood alert at a Qingshui station (not urgent: grouped).</summary>
    private static AlertNotification Flood(string station, Severity severity = Severity.Orange, string? watershed = "qingshui", Audience audience = Audience.Emergency) => Red() with
    {
        NotificationId = $"flood-level.{station}.20230730T140000Z#1",
        AlertId = $"flood-level.{station}.20230730T140000Z",
        RuleId = "flood-level",
        RuleZh = "洪水预警",
        Transition = Transition.Raised,
        Severity = severity,
        PreviousSeverity = Severity.None,
        StationId = station,
        StationZh = station,
        Watershed = watershed,
        Audience = audience,
    };

    private static DutyDelivery To(AlertNotification n, string channel = "robot") => new(channel, DutyDelivery.Group, n, null, []);

    [Fact]
    public void TwoWithinTheWindow_GoOutAsOneMessage_WhenItEnds()
    {
        using DutyGrouper grouper = Grouper();
        Assert.True(grouper.Hold(To(Flood("qs-wl-01", Severity.Yellow))));
        _time.Advance(TimeSpan.FromSeconds(90));
        Assert.True(grouper.Hold(To(Flood("qs-wl-02", Severity.Orange))));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(_released);

        _time.Advance(TimeSpan.FromSeconds(1)); // two minutes after the first

        DutyDelivery message = Assert.Single(_released);
        Assert.Equal(["flood-level.qs-wl-02.20230730T140000Z#1", "flood-level.qs-wl-01.20230730T140000Z#1"], message.Grouped.Select(n => n.NotificationId)); // worst first
        Assert.Same(message.Grouped[0], message.Notification);
        Assert.Equal(DutyDecisionKind.Grouped, Assert.Single(_decisions).Kind);
    }

    [Fact]
    public void OneAfterTheWindow_IsASecondMessage()
    {
        using DutyGrouper grouper = Grouper();
        grouper.Hold(To(Flood("qs-wl-01")));
        _time.Advance(TimeSpan.FromMinutes(2));
        grouper.Hold(To(Flood("qs-wl-02")));
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(2, _released.Count);
        Assert.All(_released, d => Assert.Empty(d.Grouped)); // each alone: an ordinary message
        Assert.Equal(["flood-level.qs-wl-01.20230730T140000Z#1", "flood-level.qs-wl-02.20230730T140000Z#1"], _released.Select(d => d.Notification.NotificationId));
    }

    [Fact]
    public void GroupsAreSeparate_PerChannelWatershedAndAudience_AndAudienceWindowsApply()
    {
        using DutyGrouper grouper = Grouper();
        grouper.Hold(To(Flood("qs-wl-01")));
        grouper.Hold(To(Flood("qs-wl-01"), "sms"));
        grouper.Hold(To(Flood("yd-wl-01", watershed: "yongding")));
        grouper.Hold(To(Flood("qs-wl-03", audience: Audience.Maintenance)));
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(3, _released.Count);
        _time.Advance(TimeSpan.FromMinutes(8));
        Assert.Equal(4, _released.Count); // maintenance: 10 minutes
    }

    [Fact]
    public void Red_GoesOutAtOnce_OrInItsOwnShorterWindow()
    {
        using (DutyGrouper grouper = Grouper())
        {
            Assert.False(grouper.Hold(To(Flood("qs-wl-01", Severity.Red)))); // UrgentWindow zero: sent alone, now
        }

        DutyGroupingOptions o = Options();
        o.UrgentWindow = TimeSpan.FromSeconds(30);
        using DutyGrouper shorter = Grouper(o);
        Assert.True(shorter.Hold(To(Flood("qs-wl-01", Severity.Red))));
        Assert.True(shorter.Hold(To(Flood("qs-wl-02", Severity.Red))));
        Assert.True(shorter.Hold(To(Flood("qs-wl-03", Severity.Orange))));
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(2, Assert.Single(_released).Grouped.Count); // the reds; the orange waits its two minutes
        _time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(2, _released.Count);
    }

    /// <summary>A channel that records what it sends.</summary>
    private sealed class RecordingChannel : IDutyChannel
    {
        public ConcurrentQueue<DutyDelivery> Sent { get; } = new();

        public DutyChannelOptions Options { get; } = new() { Name = "robot" };

        public bool ToGroup => true;

        public Task SendAsync(DutyDelivery delivery, CancellationToken cancellationToken)
        {
            Sent.Enqueue(delivery);
            return Task.CompletedTask;
        }
    }

    private (DutyDispatcher Dispatcher, Outbox Outbox) Start(RecordingChannel channel)
    {
        DutyOptions options = DutyTestData.Options();
        var route = new DutyRouteOptions();
        route.Audiences.Add(Audience.Emergency);
        route.Channels.Add("robot");
        options.Routes.Add(route);
        var outbox = new Outbox(_dir);
        var metrics = new AlertingMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        var dispatcher = new DutyDispatcher([channel], _ => ResiliencePipeline.Empty, new DutyRouter(options, [channel]), outbox, new DutyDeliveryLog(_dir), _time, NullLogger.Instance, metrics);
        dispatcher.Grouper = new DutyGrouper(Options(), _dir, _time, dispatcher.Send, _decisions.Add);
        foreach ((string key, AlertNotification n) in outbox.Pending)
        {
            dispatcher.Enqueue(key, n); // as NotificationPipeline.Start does
        }

        dispatcher.Grouper.ForgetUnrestored();
        return (dispatcher, outbox);
    }

    private static void Add(DutyDispatcher dispatcher, Outbox outbox, AlertNotification n)
    {
        var keys = dispatcher.OutboxKeysFor(n).Select(k => (k, n)).ToList();
        outbox.Add(keys); // durable first, as NotificationPipeline.Record does
        keys.ForEach(k => dispatcher.Enqueue(k.k, n));
    }

    private static async Task WaitAsync(Func<bool> done)
    {
        for (int i = 0; i < 500 && !done(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task RestartInTheMiddleOfAWindow_StillSendsOneMessage_NothingLostNothingTwice()
    {
        var first = new RecordingChannel();
        (DutyDispatcher dispatcher, Outbox outbox) = Start(first);
        Add(dispatcher, outbox, Flood("qs-wl-01"));
        _time.Advance(TimeSpan.FromSeconds(60));
        await dispatcher.DisposeAsync(); // the worker stops a minute into the window
        Assert.Empty(first.Sent);

        var second = new RecordingChannel();
        (dispatcher, outbox) = Start(second);
        Add(dispatcher, outbox, Flood("qs-wl-02"));
        _time.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Empty(second.Sent); // the window is the one opened before the restart: not over yet

        _time.Advance(TimeSpan.FromSeconds(1));
        await WaitAsync(() => outbox.Pending.Count == 0);

        DutyDelivery message = Assert.Single(second.Sent);
        Assert.Equal(["flood-level.qs-wl-01.20230730T140000Z#1", "flood-level.qs-wl-02.20230730T140000Z#1"], message.Grouped.Select(n => n.NotificationId).Order(StringComparer.Ordinal));
        Assert.Empty(outbox.Pending);
        await dispatcher.DisposeAsync();

        // A third start sends nothing again.
        var third = new RecordingChannel();
        (dispatcher, _) = Start(third);
        _time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Empty(third.Sent);
        await dispatcher.DisposeAsync();
    }

    [Fact]
    public void GroupedMessage_ListsWorstFirst_AndTheSmsFitsWithEtc()
    {
        var messages = new DutyMessages(DutyTestData.Options(), DutyTestData.Dashboard, TestData.Registry);
        List<AlertNotification> members = Enumerable.Range(1, 12).Select(i => Flood($"qs-wl-{i:00}", i == 7 ? Severity.Red : Severity.Orange) with { StationZh = $"清水河{i}号水位站" }).ToList();
        DutyDelivery grouped = DutyGrouper.Merge(members.Select(n => To(n)).ToList());

        DutyMessage m = messages.Build(grouped, DutyLanguage.Zh);
        string sms = messages.Sms(grouped, DutyLanguage.Zh, new SmsGatewayOptions());

        Assert.StartsWith("【清水河流域12条预警·最高红色】", m.Title, StringComparison.Ordinal);
        Assert.Contains("- 【红色洪水预警】清水河7号水位站", m.Markdown, StringComparison.Ordinal);
        Assert.True(m.Markdown.IndexOf("清水河7号", StringComparison.Ordinal) < m.Markdown.IndexOf("清水河1号", StringComparison.Ordinal));
        Assert.Contains("- 等2条", m.Markdown, StringComparison.Ordinal); // MaxListed 10
        Assert.Contains("(https://duty.example.cn/?alert=flood-level.qs-wl-07.20230730T140000Z)", m.Markdown, StringComparison.Ordinal);
        Assert.True(sms.Length <= 70, sms);
        Assert.StartsWith("【清水河流域12条预警·最高红色】清水河7号水位站红色洪水预警", sms, StringComparison.Ordinal);
        Assert.Matches("等1[01]条，请登录值班台确认$", sms);
    }
}
