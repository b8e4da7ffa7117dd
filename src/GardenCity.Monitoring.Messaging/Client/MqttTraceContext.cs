using System.Diagnostics;
using MQTTnet;
using MQTTnet.Packets;

namespace GardenCity.Monitoring.Messaging.Client;

/// <summary>
/// The W3C trace context a station may send with a message as MQTT 5 user properties <c>traceparent</c> (and
/// <c>tracestate</c>), as the OpenTelemetry messaging conventions carry it (docs/observability.md). Optional: a message
/// without it starts a trace of its own.
/// </summary>
public static class MqttTraceContext
{
    /// <summary>The user property of the W3C <c>traceparent</c> header.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>The user property of the W3C <c>tracestate</c> header.</summary>
    public const string TraceState = "tracestate";

    /// <summary>The remote parent context of <paramref name="message"/>, or <see langword="default"/> when it carries none (or an invalid one).</summary>
    public static ActivityContext Extract(MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        List<MqttUserProperty>? properties = message.UserProperties;
        if (properties is null || properties.Count == 0)
        {
            return default;
        }

        string? parent = null;
        string? state = null;
        foreach (MqttUserProperty property in properties)
        {
            if (string.Equals(property.Name, TraceParent, StringComparison.Ordinal))
            {
                parent = property.ReadValueAsString();
            }
            else if (string.Equals(property.Name, TraceState, StringComparison.Ordinal))
            {
                state = property.ReadValueAsString();
            }
        }

        return parent is not null && ActivityContext.TryParse(parent, state, isRemote: true, out ActivityContext context) ? context : default;
    }
}
