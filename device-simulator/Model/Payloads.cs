using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace GardenCity.Monitoring.DeviceSimulator.Model;

/// <summary>One sample as a station stores it, before it is sent alone or in a backlog.</summary>
public sealed record Sample(DateTimeOffset Ts, long? Seq, Action<Utf8JsonWriter> WriteBody, IReadOnlyDictionary<string, int> Points);

/// <summary>Writes wire contract v1 payloads exactly (UTF-8 JSON, RFC 3339 UTC timestamps).</summary>
public static class Payloads
{
    /// <summary>A wire timestamp: RFC 3339 UTC, with milliseconds only when there are any.</summary>
    public static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString(t.Millisecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The payload of one sample sent alone.</summary>
    public static byte[] SingleSample(Sample sample) => Write(w => WriteSample(w, sample));

    /// <summary>A store-and-forward payload: <c>{"samples": [...]}</c>.</summary>
    public static byte[] Backlog(IEnumerable<Sample> samples) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("samples");
        foreach (Sample sample in samples)
        {
            WriteSample(w, sample);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>Writes a <c>values</c> object with one number per name.</summary>
    public static Action<Utf8JsonWriter> Values(IEnumerable<(string Name, double Value)> values) => w =>
    {
        w.WriteStartObject("values");
        foreach ((string name, double value) in values)
        {
            w.WriteNumber(name, value);
        }

        w.WriteEndObject();
    };

    /// <summary>Runs <paramref name="body"/> on a JSON writer (non-ASCII text unescaped) and returns the UTF-8 bytes.</summary>
    public static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            body(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteSample(Utf8JsonWriter w, Sample sample)
    {
        w.WriteStartObject();
        w.WriteString("ts", Ts(sample.Ts));
        if (sample.Seq is { } seq)
        {
            w.WriteNumber("seq", seq);
        }

        sample.WriteBody(w);
        w.WriteEndObject();
    }
}
