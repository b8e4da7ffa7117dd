using System.Diagnostics;

namespace GardenCity.Monitoring.Ingestion;

/// <summary>
/// The ingestion room's traces (docs/observability.md): one trace per MQTT message, its span
/// <see cref="MessageSpan"/> from receipt to PUBACK with a child <see cref="DecodeSpan"/>, and one
/// <see cref="StoreSpan"/> per batch write (InfluxDB or spool) linked to the message spans of its batch instead of a
/// child under each. Without a listener (the OTLP exporter off) <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns null and nothing is allocated; every method here checks that first.
/// </summary>
public static class IngestionTracing
{
    /// <summary>The activity source's name.</summary>
    public const string SourceName = "GardenCity.Ingestion";

    /// <summary>A message from receipt to PUBACK (kind Consumer; parent: the message's <c>traceparent</c>, if any).</summary>
    public const string MessageSpan = "gardencity.ingest.message";

    /// <summary>Decoding and validating one message (child of <see cref="MessageSpan"/>).</summary>
    public const string DecodeSpan = "gardencity.ingest.decode";

    /// <summary>One batch made durable: one InfluxDB write, or the spool; linked to its messages' spans.</summary>
    public const string StoreSpan = "gardencity.ingest.store";

    /// <summary>Attribute: the station id (from the topic).</summary>
    public const string StationAttribute = "gardencity.station";

    /// <summary>Attribute: <c>stored</c>, <c>spooled</c>, <c>dead-letter</c> (every sample refused), <c>empty</c> or <c>not-durable</c> (stopped first).</summary>
    public const string OutcomeAttribute = "gardencity.outcome";

    /// <summary>Attribute: readings decoded from a message, or written by a batch.</summary>
    public const string ReadingsAttribute = "gardencity.readings";

    /// <summary>Attribute: samples of a message refused (dead letters).</summary>
    public const string RejectedAttribute = "gardencity.rejected";

    /// <summary>Attribute: messages in a batch.</summary>
    public const string MessagesAttribute = "gardencity.messages";

    /// <summary>Attribute: whether the PUBACK was sent (false: received on a connection that dropped; the broker redelivers).</summary>
    public const string AcknowledgedAttribute = "gardencity.acknowledged";

    /// <summary>The outcome of a message or batch stored in InfluxDB.</summary>
    public const string Stored = "stored";

    /// <summary>The outcome of a message or batch kept in the spool (InfluxDB unreachable, or older spooled readings waiting).</summary>
    public const string Spooled = "spooled";

    /// <summary>The outcome of a message every sample of which was dead-lettered.</summary>
    public const string DeadLetter = "dead-letter";

    /// <summary>The outcome of a message with no samples.</summary>
    public const string Empty = "empty";

    /// <summary>The outcome of a message the stopping worker did not make durable (not acknowledged; the broker redelivers).</summary>
    public const string NotDurable = "not-durable";

    internal static readonly ActivitySource Source = new(SourceName, typeof(IngestionTracing).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Starts the span of a received message, the root of its trace (or a child of the station's <paramref name="parent"/>),
    /// without making it <see cref="Activity.Current"/>: it ends when the message is acknowledged, on another flow.
    /// Null when no listener samples it.
    /// </summary>
    internal static Activity? StartMessage(string topic, ActivityContext parent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? previous = Activity.Current;
        Activity.Current = null; // a message's trace never inherits what happens to be current where it is received
        try
        {
            Activity? activity = Source.StartActivity(MessageSpan, ActivityKind.Consumer, parent);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag("messaging.system", "mqtt");
                activity.SetTag("messaging.operation.type", "process");
                activity.SetTag("messaging.destination.name", topic);
                activity.SetTag(StationAttribute, StationOf(topic));
            }

            return activity;
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    /// <summary>Ends a message's span once its PUBACK is sent (or not, <paramref name="acknowledged"/>).</summary>
    internal static void EndMessage(Activity? activity, bool acknowledged)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(AcknowledgedAttribute, acknowledged);
        if (acknowledged)
        {
            activity.AddEvent(new ActivityEvent("puback"));
        }

        activity.Stop();
    }

    /// <summary>Ends a message's span that was not made durable (the worker stopped first).</summary>
    internal static void Abandon(Activity? activity)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(OutcomeAttribute, NotDurable);
        activity.SetTag(AcknowledgedAttribute, false);
        activity.Stop();
    }

    /// <summary>The station segment of <c>gc/v1/{kind}/{station}/{stream}</c> (the topic itself when it has no such segment).</summary>
    internal static string StationOf(string topic)
    {
        string[] parts = topic.Split('/');
        return parts.Length >= 4 ? parts[3] : topic;
    }
}
