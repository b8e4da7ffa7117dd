using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Wire;

/// <summary>The stream part of a station topic.</summary>
public enum WireStream
{
    /// <summary>Measurements (<c>telemetry</c>).</summary>
    Telemetry,

    /// <summary>Camera-trap and fire detections (<c>event</c>).</summary>
    Event,

    /// <summary>Station health (<c>status</c>).</summary>
    Status,
}

/// <summary>A parsed station topic <c>gc/v1/{kind}/{stationId}/{stream}</c>.</summary>
public readonly record struct WireTopic(StationKind Kind, string StationId, WireStream Stream)
{
    /// <summary>Prefix of every v1 topic.</summary>
    public const string Prefix = "gc/v1/";

    /// <summary>Prefix of the command topics, <c>gc/v1/cmd/{stationId}/...</c>: the only topics a station may subscribe to.</summary>
    public const string CommandPrefix = "gc/v1/cmd/";

    /// <summary>Filter that covers every station topic (and the system's outputs, which are skipped by <see cref="IsSystemOutput"/>).</summary>
    public const string StationFilter = "gc/v1/#";

    /// <summary>Builds the topic for a station's stream.</summary>
    public static string Format(StationKind kind, string stationId, WireStream stream) =>
        $"{Prefix}{kind.ToWireName()}/{stationId}/{stream.ToString().ToLowerInvariant()}";

    /// <summary>Topic of the dead-letter output for a kind and station as far as they are known.</summary>
    public static string DeadLetter(string? kind, string? stationId) =>
        $"{Prefix}dead-letter/{Sanitize(kind)}/{Sanitize(stationId)}";

    /// <summary>Whether the topic is one of the system's own outputs (alerts, dead letters, commands), never a station's.</summary>
    public static bool IsSystemOutput(string topic) =>
        topic.StartsWith(Prefix + "alerts/", StringComparison.Ordinal)
        || topic.StartsWith(Prefix + "dead-letter/", StringComparison.Ordinal)
        || topic.StartsWith(CommandPrefix, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="id"/> matches <c>[a-z0-9][a-z0-9-]{0,63}</c>.</summary>
    public static bool IsValidStationId(string? id) => IsValidStationId(id.AsSpan());

    /// <summary>Whether <paramref name="id"/> matches <c>[a-z0-9][a-z0-9-]{0,63}</c>.</summary>
    public static bool IsValidStationId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > 64 || !IsLowerAlnum(id[0]))
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!IsLowerAlnum(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses a station topic; <paramref name="error"/> says what is wrong when it is not one.</summary>
    public static bool TryParse(string? topic, out WireTopic result, out string error)
    {
        // The parts are ranges of the topic: only the station id becomes a string (and the parts named in an error).
        result = default;
        ReadOnlySpan<char> text = topic;
        Span<Range> parts = stackalloc Range[6];
        if (text.Split(parts, '/') != 5 || text[parts[0]] is not "gc" || text[parts[1]] is not "v1")
        {
            error = "topic is not gc/v1/{kind}/{stationId}/{stream}";
            return false;
        }

        if (!StationKinds.TryParse(text[parts[2]], out StationKind kind))
        {
            error = $"unknown kind '{Truncate(topic![parts[2]])}' in topic";
            return false;
        }

        if (!IsValidStationId(text[parts[3]]))
        {
            error = $"invalid station id '{Truncate(topic![parts[3]])}' in topic";
            return false;
        }

        WireStream? stream = text[parts[4]] switch
        {
            "telemetry" => WireStream.Telemetry,
            "event" => WireStream.Event,
            "status" => WireStream.Status,
            _ => null,
        };
        if (stream is null)
        {
            error = $"unknown stream '{Truncate(topic![parts[4]])}' in topic, expected telemetry, event or status";
            return false;
        }

        if (stream == WireStream.Event && kind is not (StationKind.CameraTrap or StationKind.Fire))
        {
            error = $"kind '{topic![parts[2]]}' has no event stream";
            return false;
        }

        result = new WireTopic(kind, topic![parts[3]], stream.Value);
        error = string.Empty;
        return true;
    }

    private static bool IsLowerAlnum(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');

    private static string Sanitize(string? part) =>
        IsValidStationId(part) ? part! : "unknown";

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
