using GardenCity.Monitoring.Core.Alerts;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Notify;

/// <summary>
/// Webhook delivery over real loopback sockets: a failing endpoint does not hold up another; the outbox survives a
/// restart; a receiver's Retry-After is honoured; a refused notification is not sent again and does not hold up the next.
/// </summary>
public sealed class NotificationDispatcherTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-outbox-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AlertNotification Notification(int minute)
    {
        AlertEngine engine = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        AlertChange change = Feed(engine, [Telemetry("qs-wl-01", T0.AddMinutes(minute), 1, ("water_level_m", 3.5))]).First(c => c.Rule.Id == "flood-level");
        return change.ToNotification();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    /// <summary>
    /// A webhook receiver that answers the scripted answers first (status, Retry-After), then 500 until told to recover,
    /// recording what it accepted and when each request came (on the clock it is given, the system's by default).
    /// </summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();

        public Receiver(int port, bool failing, TimeProvider? clock = null)
        {
            Failing = failing;
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try
                    {
                        ctx = await _listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }

                    Attempts++;
                    Requests.Enqueue((ctx.Request.Headers["Idempotency-Key"]!, (clock ?? TimeProvider.System).GetUtcNow()));
                    if (Script.TryDequeue(out (int Status, string? RetryAfter) answer))
                    {
                        ctx.Response.StatusCode = answer.Status;
                        if (answer.RetryAfter is { } after)
                        {
                            ctx.Response.Headers["Retry-After"] = after;
                        }

                        ctx.Response.Close();
                        continue;
                    }

                    if (!Failing)
                    {
                        Accepted.Add(ctx.Request.Headers["Idempotency-Key"]!);
                    }

                    ctx.Response.StatusCode = Failing ? 500 : 204;
                    ctx.Response.Close();
                }
            });
        }

        public string Url { get; }

        public volatile bool Failing;

        public int Attempts;

        public ConcurrentBag<string> Accepted { get; } = [];

        public ConcurrentQueue<(int Status, string? RetryAfter)> Script { get; } = new();

        public ConcurrentQueue<(string NotificationId, DateTimeOffset At)> Requests { get; } = new();

        public void Dispose() => _listener.Close();
    }

    private static NotificationDispatcher Dispatcher(Outbox outbox, params (string Name, string Url)[] hooks) =>
        Dispatcher(outbox, TimeProvider.System, NullLogger.Instance, TimeSpan.FromSeconds(2), hooks);

    private static NotificationDispatcher Dispatcher(Outbox outbox, TimeProvider time, ILogger logger, TimeSpan attemptTimeout, params (string Name, string Url)[] hooks)
    {
        var options = new AlertingOptions { WebhookTimeout = attemptTimeout, WebhookRetries = 2 };
        var meters = new ServiceCollectionMeterFactory();
        var http = new HttpClient();
        return new NotificationDispatcher(
            hooks.Select(h => NotificationDispatcher.Webhook(new WebhookEndpoint { Name = h.Name, Audience = Audience.Emergency, Url = h.Url }, http, time)),
            outbox, options, time, logger, new AlertingMetrics(meters));
    }

    [Theory]
    [InlineData(429, "delta")]
    [InlineData(503, "date")]
    public async Task RetryAfter_FromTheReceiver_IsWaitedOnTheInjectedClock(int status, string form)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 30, 6, 0, 0, TimeSpan.Zero));
        using var hook = new Receiver(FreePort(), failing: false, time);
        hook.Script.Enqueue((status, form == "delta" ? "30" : time.GetUtcNow().AddSeconds(30).ToString("R", CultureInfo.InvariantCulture)));
        var logger = new FakeLogger();
        var outbox = new Outbox(_dir);
        AlertNotification n = Notification(0);
        // A long attempt timeout: the fake clock moves while a real request is on the wire.
        await using NotificationDispatcher dispatcher = Dispatcher(outbox, time, logger, TimeSpan.FromHours(1), ("hook", hook.Url));
        outbox.Add([("webhook:hook", n)]);
        dispatcher.Enqueue("webhook:hook", n);

        await WaitAsync(() => logger.Collector.Count > 0); // the 429 / 503 came back and its redelivery is set
        await Task.Delay(50, TestContext.Current.CancellationToken);
        for (int i = 0; i < 120 && hook.Accepted.IsEmpty; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await WaitAsync(() => !hook.Accepted.IsEmpty && outbox.Pending.Count == 0);
        DateTimeOffset[] at = hook.Requests.Select(r => r.At).ToArray();
        Assert.Equal(2, at.Length); // asked to wait 30 s: no quick retries in between
        Assert.InRange(at[1] - at[0], TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(32));
        Assert.Equal([n.NotificationId], hook.Accepted);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Refused_NotSentAgain_AndTheNextNotificationGoesThrough(int status)
    {
        // Issue 10, finding 5: a refused notification used to be sent again every second for ever, and the endpoint's
        // later notifications (delivered in order) never went out.
        using var hook = new Receiver(FreePort(), failing: false);
        hook.Script.Enqueue((status, null));
        var logger = new FakeLogger();
        var outbox = new Outbox(_dir);
        AlertNotification refused = Notification(0), next = Notification(5);
        await using NotificationDispatcher dispatcher = Dispatcher(outbox, TimeProvider.System, logger, TimeSpan.FromSeconds(2), ("hook", hook.Url));
        outbox.Add([("webhook:hook", refused), ("webhook:hook", next)]);
        dispatcher.Enqueue("webhook:hook", refused);
        dispatcher.Enqueue("webhook:hook", next);

        await WaitAsync(() => !hook.Accepted.IsEmpty && outbox.Pending.Count == 0);
        Assert.Equal([refused.NotificationId, next.NotificationId], hook.Requests.Select(r => r.NotificationId));
        Assert.Equal([next.NotificationId], hook.Accepted);
        FakeLogRecord error = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Contains($"refused notification {refused.NotificationId}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"HTTP {status}", error.Message, StringComparison.Ordinal);
        Assert.Empty(new Outbox(_dir).Pending); // not owed any more: a restart does not send it again
    }

    [Fact]
    public async Task FailingEndpoint_DoesNotHoldUpAnother_AndGetsItsNotificationOnceItRecovers()
    {
        using var good = new Receiver(FreePort(), failing: false);
        using var bad = new Receiver(FreePort(), failing: true);
        var outbox = new Outbox(_dir);
        AlertNotification n = Notification(0);
        await using NotificationDispatcher dispatcher = Dispatcher(outbox, ("good", good.Url), ("bad", bad.Url));
        outbox.Add([("webhook:good", n), ("webhook:bad", n)]);
        dispatcher.Enqueue("webhook:good", n);
        dispatcher.Enqueue("webhook:bad", n);

        await WaitAsync(() => !good.Accepted.IsEmpty && bad.Attempts >= 2);
        Assert.Equal([n.NotificationId], good.Accepted);
        Assert.Empty(bad.Accepted);
        Assert.Equal(["webhook:bad"], outbox.Pending.Select(p => p.Endpoint)); // still owed to the failing one

        bad.Failing = false;
        await WaitAsync(() => !bad.Accepted.IsEmpty);
        Assert.Equal([n.NotificationId], bad.Accepted);
        await WaitAsync(() => outbox.Pending.Count == 0);
    }

    [Fact]
    public async Task Outbox_PendingAfterARestart_IsDeliveredByTheNextDispatcher()
    {
        using var hook = new Receiver(FreePort(), failing: false);
        AlertNotification n = Notification(5);
        new Outbox(_dir).Add([("webhook:hook", n)]); // written, then the process "crashed" before delivering

        var reopened = new Outbox(_dir);
        Assert.Equal([n.NotificationId], reopened.Pending.Select(p => p.Notification.NotificationId));
        await using NotificationDispatcher dispatcher = Dispatcher(reopened, ("hook", hook.Url));
        foreach ((string endpoint, AlertNotification pending) in reopened.Pending)
        {
            dispatcher.Enqueue(endpoint, pending);
        }

        await WaitAsync(() => !hook.Accepted.IsEmpty && reopened.Pending.Count == 0);
        Assert.Equal([n.NotificationId], hook.Accepted);
        Assert.Empty(new Outbox(_dir).Pending);
    }

    [Fact]
    public async Task OutboxCannotMarkADelivery_TheEndpointGoesOnDelivering()
    {
        // The mark "delivered" failed (here: the outbox compaction's temporary file cannot be made) and used to end the
        // endpoint's delivery loop: every later notification waited in the outbox until the next start.
        using var hook = new Receiver(FreePort(), failing: false);
        var logger = new FakeLogger();
        var outbox = new Outbox(_dir);
        Directory.CreateDirectory(Path.Combine(_dir, "outbox.jsonl.tmp")); // the compaction after the first delivery fails
        AlertNotification first = Notification(0), second = Notification(5);
        await using NotificationDispatcher dispatcher = Dispatcher(outbox, TimeProvider.System, logger, TimeSpan.FromSeconds(2), ("hook", hook.Url));
        outbox.Add([("webhook:hook", first)]);
        dispatcher.Enqueue("webhook:hook", first);
        await WaitAsync(() => !hook.Accepted.IsEmpty && logger.Collector.Count > 0); // delivered, then the mark failed

        Directory.Delete(Path.Combine(_dir, "outbox.jsonl.tmp"));
        outbox.Add([("webhook:hook", second)]);
        dispatcher.Enqueue("webhook:hook", second);
        await WaitAsync(() => hook.Accepted.Count == 2);
        Assert.Equal([first.NotificationId, second.NotificationId], hook.Accepted.Order(StringComparer.Ordinal));
        FakeLogRecord warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("could not mark it delivered", warning.Message, StringComparison.Ordinal);
        Assert.Contains(first.NotificationId, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarmUp_WhileTheEndpointsCircuitIsOpen_ReturnsAtOnce_AndTellsNoOne()
    {
        // At start the outbox's replay may have opened an endpoint's circuit before the warm-up (docs/alerting.md, "The
        // first alert after a start") runs. The warm-up went through the redelivery, which waits out an open circuit
        // every second for ever, with no way to cancel it: the alerting role never finished starting (CI hung on it).
        using var bad = new Receiver(FreePort(), failing: true);
        var logger = new FakeLogger();
        var outbox = new Outbox(_dir);
        AlertNotification owed = Notification(0);
        await using NotificationDispatcher dispatcher = Dispatcher(outbox, TimeProvider.System, logger, TimeSpan.FromSeconds(2), ("bad", bad.Url));
        outbox.Add([("webhook:bad", owed)]);
        dispatcher.Enqueue("webhook:bad", owed);
        await WaitAsync(() => logger.Collector.GetSnapshot().Any(r => r.Exception is BrokenCircuitException)); // open
        int failures = logger.Collector.Count, attempts = bad.Attempts;

        Task warmUp = Task.Run(() => dispatcher.WarmUp(Notification(5)), TestContext.Current.CancellationToken);
        Task first = await Task.WhenAny(warmUp, Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        Assert.Same(warmUp, first);
        await warmUp; // no exception either
        Assert.Equal(attempts, bad.Attempts); // the warm-up sends nothing
        Assert.DoesNotContain(logger.Collector.GetSnapshot().Skip(failures), r => r.Message.Contains(Notification(5).NotificationId, StringComparison.Ordinal));
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (int i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), "timed out");
    }

    private sealed class ServiceCollectionMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
