using Google.Protobuf;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// Decodes OTLP request bodies with Google.Protobuf's <see cref="CodedInputStream"/>, walking the field numbers of
/// opentelemetry-proto (v1): <c>ExportTraceServiceRequest</c> → <c>resource_spans</c> (1) → <c>resource</c> (1) and
/// <c>scope_spans</c> (2) → <c>scope</c> (1) and <c>spans</c> (2); and <c>ExportMetricsServiceRequest</c> →
/// <c>resource_metrics</c> (1) → <c>scope_metrics</c> (2) → <c>metrics</c> (2) → <c>name</c> (1). Unknown fields are skipped
/// (as any protobuf reader does); a malformed body throws <see cref="InvalidProtocolBufferException"/>.
/// </summary>
internal static class OtlpDecoder
{
    /// <summary>One span: its scope (activity source), ids as lower-case hex, name, kind, attributes and links' span ids.</summary>
    public sealed record Span(string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
        IReadOnlyDictionary<string, object> Attributes, IReadOnlyList<string> LinkedSpanIds, IReadOnlyDictionary<string, object> Resource);

    public static List<Span> Spans(byte[] body)
    {
        var spans = new List<Span>();
        foreach (ByteString resourceSpans in Repeated(body, 1))
        {
            Dictionary<string, object> resource = [];
            foreach (ByteString r in Repeated(resourceSpans, 1))
            {
                resource = Attributes(r, 1);
            }

            foreach (ByteString scopeSpans in Repeated(resourceSpans, 2))
            {
                string scope = Repeated(scopeSpans, 1).Select(s => Str(s, 1)).FirstOrDefault() ?? string.Empty;
                foreach (ByteString span in Repeated(scopeSpans, 2))
                {
                    spans.Add(ReadSpan(span, scope, resource));
                }
            }
        }

        return spans;
    }

    /// <summary>The names of the metrics in an <c>ExportMetricsServiceRequest</c>.</summary>
    public static List<string> MetricNames(byte[] body) =>
        [.. Repeated(body, 1).SelectMany(rm => Repeated(rm, 2)).SelectMany(sm => Repeated(sm, 2)).Select(m => Str(m, 1) ?? string.Empty)];

    private static Span ReadSpan(ByteString bytes, string scope, Dictionary<string, object> resource)
    {
        string traceId = string.Empty, spanId = string.Empty, parent = string.Empty, name = string.Empty;
        int kind = 0;
        var attributes = new Dictionary<string, object>();
        var links = new List<string>();
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: traceId = Convert.ToHexStringLower(input.ReadBytes().Span); break;
                case 2: spanId = Convert.ToHexStringLower(input.ReadBytes().Span); break;
                case 4: parent = Convert.ToHexStringLower(input.ReadBytes().Span); break;
                case 5: name = input.ReadString(); break;
                case 6: kind = input.ReadEnum(); break;
                case 9:
                    (string key, object value) = KeyValue(input.ReadBytes());
                    attributes[key] = value;
                    break;
                case 13:
                    links.Add(Convert.ToHexStringLower(Repeated(input.ReadBytes(), 2).Single().Span));
                    break;
                default: input.SkipLastField(); break;
            }
        }

        return new Span(scope, traceId, spanId, parent, name, kind, attributes, links, resource);
    }

    private static Dictionary<string, object> Attributes(ByteString message, int field) =>
        Repeated(message, field).Select(KeyValue).ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary><c>KeyValue</c>: key (1), <c>AnyValue</c> (2): string (1), bool (2), int (3), double (4).</summary>
    private static (string Key, object Value) KeyValue(ByteString bytes)
    {
        string key = string.Empty;
        object value = string.Empty;
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                key = input.ReadString();
            }
            else if (WireFormat.GetTagFieldNumber(tag) == 2)
            {
                var any = new CodedInputStream(input.ReadBytes().ToByteArray());
                uint anyTag;
                while ((anyTag = any.ReadTag()) != 0)
                {
                    value = WireFormat.GetTagFieldNumber(anyTag) switch
                    {
                        1 => any.ReadString(),
                        2 => any.ReadBool(),
                        3 => any.ReadInt64(),
                        4 => any.ReadDouble(),
                        _ => Skip(any),
                    };
                }
            }
            else
            {
                input.SkipLastField();
            }
        }

        return (key, value);
    }

    private static string Skip(CodedInputStream input)
    {
        input.SkipLastField();
        return "(other)";
    }

    private static string? Str(ByteString message, int field)
    {
        var input = new CodedInputStream(message.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                return input.ReadString();
            }

            input.SkipLastField();
        }

        return null;
    }

    private static List<ByteString> Repeated(byte[] message, int field) => Repeated(ByteString.CopyFrom(message), field);

    /// <summary>Every length-delimited occurrence of <paramref name="field"/> in <paramref name="message"/>.</summary>
    private static List<ByteString> Repeated(ByteString message, int field)
    {
        var found = new List<ByteString>();
        var input = new CodedInputStream(message.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                found.Add(input.ReadBytes());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }
}
