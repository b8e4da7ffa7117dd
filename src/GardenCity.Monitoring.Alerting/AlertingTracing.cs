using System.Diagnostics;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// The alerting room's traces (docs/observability.md): a span <see cref="EvaluateSpan"/> per message the alerting worker
/// evaluates (a child of the station's <c>traceparent</c> when the message carries one, so both rooms' spans of the
/// message share its trace; else a trace of its own), with an <c>alert.change</c> event per alert it raised, changed or
/// resolved; and a span <see cref="DeliverSpan"/> per notification delivery attempt run through the outbox, tagged with
/// the same alert and notification ids. Without a listener nothing is created.
/// </summary>
public static class AlertingTracing
{
    /// <summary>The activity source's name.</summary>
    public const string SourceName = "GardenCity.Alerting";

    /// <summary>One message's readings evaluated by the rules (kind Consumer).</summary>
    public const string EvaluateSpan = "gardencity.alerting.evaluate";

    /// <summary>One notification delivered to one endpoint (retries included), from the durable outbox.</summary>
    public const string DeliverSpan = "gardencity.alerting.deliver";

    /// <summary>The event on <see cref="EvaluateSpan"/> for each alert change.</summary>
    public const string ChangeEvent = "alert.change";

    /// <summary>Attribute: the alert id.</summary>
    public const string AlertIdAttribute = "gardencity.alert.id";

    /// <summary>Attribute: the notification id (<c>{alert id}#{revision}</c>).</summary>
    public const string NotificationIdAttribute = "gardencity.notification.id";

    /// <summary>Attribute: the notification endpoint (<c>webhook:…</c>, …).</summary>
    public const string EndpointAttribute = "gardencity.endpoint";

    /// <summary>Attribute: alert changes a message caused.</summary>
    public const string ChangesAttribute = "gardencity.alert.changes";

    internal static readonly ActivitySource Source = new(SourceName, typeof(AlertingTracing).Assembly.GetName().Version?.ToString());

    /// <summary>Starts the span of one evaluated message (current until disposed); null without a listener.</summary>
    internal static Activity? StartEvaluate(string topic, ActivityContext parent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity.Current = null; // the caller's flow (an async method) gets its own current activity back
        Activity? activity = Source.StartActivity(EvaluateSpan, ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "mqtt");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", topic);
            string[] parts = topic.Split('/');
            activity.SetTag("gardencity.station", parts.Length >= 4 ? parts[3] : topic);
        }

        return activity;
    }

    /// <summary>Records the alert changes of the message being evaluated on its span (the current one, if it is ours).</summary>
    internal static void Changes(IReadOnlyList<AlertChange> changes)
    {
        if (Activity.Current is not { IsAllDataRequested: true } activity || activity.Source != Source || activity.OperationName != EvaluateSpan)
        {
            return;
        }

        activity.SetTag(ChangesAttribute, changes.Count);
        foreach (AlertChange change in changes)
        {
            activity.AddEvent(new ActivityEvent(ChangeEvent, tags: new ActivityTagsCollection
            {
                [AlertIdAttribute] = change.Alert.Id,
                [NotificationIdAttribute] = change.NotificationId,
                ["gardencity.alert.transition"] = change.Transition.ToString(),
                ["gardencity.alert.severity"] = change.Alert.Severity.ToString(),
                ["gardencity.rule"] = change.Rule.Id,
            }));
        }
    }

    /// <summary>Starts the span of one notification's delivery to one endpoint, a trace of its own; null without a listener.</summary>
    internal static Activity? StartDelivery(string endpoint, AlertNotification notification)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity.Current = null;
        Activity? activity = Source.StartActivity(DeliverSpan, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(EndpointAttribute, endpoint);
            activity.SetTag(AlertIdAttribute, notification.AlertId);
            activity.SetTag(NotificationIdAttribute, notification.NotificationId);
            activity.SetTag("gardencity.station", notification.StationId);
        }

        return activity;
    }
}
