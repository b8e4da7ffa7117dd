using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Core.Alerts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests;

/// <summary>
/// The alerting room's spans (docs/observability.md), seen by an <see cref="ActivityListener"/>: the evaluate span of a
/// message under the station's trace context with an event per alert change, and a delivery span per notification
/// with the same alert and notification ids. Listeners are process-wide: this class runs alone.
/// </summary>
[Collection(nameof(AlertingTracingTestGroup))]
public sealed class AlertingTracingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-trace-").FullName;
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public AlertingTracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AlertingTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Evaluate_MessageWithTraceparentRaisingAnAlert_ChildOfTheStationSpanWithTheChangeEvent()
    {
        var station = ActivityContext.Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null);
        AlertEngine engine = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        AlertChange change;
        using (Activity? evaluate = AlertingTracing.StartEvaluate("gc/v1/water-level/qs-wl-01/telemetry", station))
        {
            Assert.NotNull(evaluate);
            IReadOnlyList<AlertChange> changes = [.. Feed(engine, [Telemetry("qs-wl-01", T0, 1, ("water_level_m", 3.5))])];
            change = changes.First(c => c.Rule.Id == "flood-level");
            AlertingTracing.Changes(changes);
        }

        Activity span = Assert.Single(_spans, s => s.OperationName == AlertingTracing.EvaluateSpan);
        Assert.Equal((station.TraceId, station.SpanId), (span.TraceId, span.ParentSpanId));
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal("qs-wl-01", span.GetTagItem("gardencity.station"));
        ActivityEvent raised = Assert.Single(span.Events, e => Equals(e.Tags.First(t => t.Key == AlertingTracing.AlertIdAttribute).Value, change.Alert.Id));
        Assert.Equal(AlertingTracing.ChangeEvent, raised.Name);
        Assert.Contains(raised.Tags, t => t.Key == AlertingTracing.NotificationIdAttribute && Equals(t.Value, change.NotificationId));
    }

    [Fact]
    public void Changes_NoEvaluateSpanCurrent_RecordsNothing()
    {
        AlertEngine engine = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        IReadOnlyList<AlertChange> changes = [.. Feed(engine, [Telemetry("qs-wl-01", T0, 1, ("water_level_m", 3.5))])];
        Assert.NotEmpty(changes);

        AlertingTracing.Changes(changes);

        Assert.Empty(_spans);
    }

    [Fact]
    public async Task Deliver_NotificationThroughTheDispatcher_OneDeliverySpanWithTheAlertIdsAndOutcome()
    {
        AlertEngine engine = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        AlertNotification notification = Feed(engine, [Telemetry("qs-wl-01", T0, 1, ("water_level_m", 3.5))]).First(c => c.Rule.Id == "flood-level").ToNotification();
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var endpoint = new NotificationEndpoint("test", _ => true, (_, _) =>
        {
            delivered.TrySetResult();
            return Task.CompletedTask;
        });
        var outbox = new Outbox(_dir);
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        await using (var dispatcher = new NotificationDispatcher([endpoint], outbox, new AlertingOptions(), TimeProvider.System, NullLogger.Instance, new AlertingMetrics(services.GetRequiredService<IMeterFactory>())))
        {
            outbox.Add([("test", notification)]);
            dispatcher.Enqueue("test", notification);
            await delivered.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            for (int i = 0; i < 200 && !_spans.Any(s => s.OperationName == AlertingTracing.DeliverSpan); i++)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }

        Activity span = Assert.Single(_spans, s => s.OperationName == AlertingTracing.DeliverSpan);
        Assert.Equal("test", span.GetTagItem(AlertingTracing.EndpointAttribute));
        Assert.Equal(notification.AlertId, span.GetTagItem(AlertingTracing.AlertIdAttribute));
        Assert.Equal(notification.NotificationId, span.GetTagItem(AlertingTracing.NotificationIdAttribute));
        Assert.Equal("delivered", span.GetTagItem("gardencity.outcome"));
    }
}

/// <summary>Test classes that listen to the alerting activity source: run after the parallel ones, one at a time.</summary>
[CollectionDefinition(nameof(AlertingTracingTestGroup), DisableParallelization = true)]
public sealed class AlertingTracingTestGroup
{
}
