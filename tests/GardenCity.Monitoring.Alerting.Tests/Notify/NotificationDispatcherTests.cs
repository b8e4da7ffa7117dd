using GardenCity.Monitoring.Core.Alerts;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using Microsoft.Extensions.Logging.Abstractions;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Notify;

/// <summary>Webhook delivery over real loopback sockets: a failing endpoint does not hold up another; the outbox survives a restart.</summary>
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

    /// <summary>A webhook receiver that answers 500 until told to recover, recording what it accepted.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();

        public Receiver(int port, bool failing)
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

        public void Dispose() => _listener.Close();
    }

    private static NotificationDispatcher Dispatcher(Outbox outbox, params (string Name, string Url)[] hooks)
    {
        var options = new AlertingOptions { WebhookTimeout = TimeSpan.FromSeconds(2), WebhookRetries = 2 };
        var meters = new ServiceCollectionMeterFactory();
        var http = new HttpClient();
        return new NotificationDispatcher(
            hooks.Select(h => NotificationDispatcher.Webhook(new WebhookEndpoint { Name = h.Name, Audience = Audience.Emergency, Url = h.Url }, http)),
            outbox, options, TimeProvider.System, NullLogger.Instance, new AlertingMetrics(meters));
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
