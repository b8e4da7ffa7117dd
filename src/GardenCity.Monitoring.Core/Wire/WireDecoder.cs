using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Wire;

/// <summary>
/// Decodes and validates wire contract v1 messages. Validation is per sample: a bad sample is rejected
/// with its reason and the others of the same message are still accepted. Unknown-field policy: a field
/// the contract does not define for the kind and stream rejects its sample (<c>unknown-field</c>), so a
/// misspelt field is never silently dropped; the sample stays whole in the dead-letter store.
/// Thread-safe; holds no state besides the registry and options.
/// </summary>
public sealed partial class WireDecoder(StationRegistry registry, WireDecoderOptions options)
{
    private static readonly string[] TelemetryKeys = ["ts", "seq", "values"];
    private static readonly string[] CameraEventKeys = ["ts", "seq", "event_id", "image_uri", "detections"];
    private static readonly string[] DetectionKeys = ["species", "count", "confidence"];
    private static readonly string[] FireEventKeys = ["ts", "seq", "event_id", "detection", "confidence", "bearing_deg"];
    private static readonly string[] StatusKeys = ["ts", "seq", "online", "battery_v", "rssi_dbm", "firmware"];
    private static readonly string[] OtherSpecies = ["human", "vehicle", "unknown"];

    /// <summary>Decodes one message received on <paramref name="topic"/> at receiver time <paramref name="now"/>.</summary>
    public DecodeResult Decode(string topic, ReadOnlySpan<byte> payload, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var readings = new List<Reading>();
        var rejections = new List<Rejection>();
        bool topicOk = WireTopic.TryParse(topic, out WireTopic wt, out string topicError);
        string? kindText = topicOk ? wt.Kind.ToWireName() : null;
        string? stationId = topicOk ? wt.StationId : null;

        Rejection Whole(RejectionReason reason, string detail, ReadOnlySpan<byte> bytes, bool base64 = false) =>
            new(topic, kindText, stationId, reason, detail, null, base64 ? Convert.ToBase64String(bytes) : Encoding.UTF8.GetString(bytes), base64);

        if (payload.Length > options.MaxPayloadBytes)
        {
            // Keep the start of the payload only: the store must not grow by what a hostile sender chooses.
            ReadOnlySpan<byte> head = payload[..Math.Min(payload.Length, 1024)];
            bool headIsText = Utf8.IsValid(head);
            rejections.Add(Whole(RejectionReason.PayloadTooLarge, $"payload is {payload.Length} bytes, the limit is {options.MaxPayloadBytes}; the first {head.Length} bytes are kept", head, !headIsText));
            return new DecodeResult(readings, rejections);
        }

        if (!Utf8.IsValid(payload))
        {
            rejections.Add(Whole(RejectionReason.InvalidUtf8, "payload is not valid UTF-8", payload, base64: true));
            return new DecodeResult(readings, rejections);
        }

        if (!topicOk)
        {
            rejections.Add(Whole(RejectionReason.InvalidTopic, topicError, payload));
            return new DecodeResult(readings, rejections);
        }

        if (!registry.TryGet(wt.StationId, out Station? station))
        {
            rejections.Add(Whole(RejectionReason.UnknownStation, $"station '{wt.StationId}' is not in the registry", payload));
            return new DecodeResult(readings, rejections);
        }

        if (station.Kind != wt.Kind)
        {
            rejections.Add(Whole(RejectionReason.KindMismatch, $"station '{station.Id}' is a {station.Kind.ToWireName()} station, the topic says {wt.Kind.ToWireName()}", payload));
            return new DecodeResult(readings, rejections);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray(), new JsonDocumentOptions { MaxDepth = options.MaxDepth });
        }
        catch (JsonException ex)
        {
            rejections.Add(Whole(RejectionReason.MalformedJson, "payload is not valid JSON: " + ex.Message, payload));
            return new DecodeResult(readings, rejections);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                rejections.Add(Whole(RejectionReason.InvalidStructure, $"payload is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, expected an object", payload));
                return new DecodeResult(readings, rejections);
            }

            if (root.TryGetProperty("samples", out JsonElement samples))
            {
                if (CountProperties(root) != 1)
                {
                    rejections.Add(Whole(RejectionReason.InvalidStructure,
                        CountProperties(root, "samples") > 1 ? "field 'samples' appears twice" : "a backlog message has only the field 'samples'", payload));
                }
                else if (samples.ValueKind != JsonValueKind.Array)
                {
                    rejections.Add(Whole(RejectionReason.InvalidStructure, "'samples' must be a list", payload));
                }
                else if (samples.GetArrayLength() == 0)
                {
                    rejections.Add(Whole(RejectionReason.NoValues, "'samples' is empty", payload));
                }
                else
                {
                    int index = 0;
                    foreach (JsonElement sample in samples.EnumerateArray())
                    {
                        DecodeSample(topic, wt, station, sample, index++, now, readings, rejections);
                    }
                }
            }
            else
            {
                DecodeSample(topic, wt, station, root, 0, now, readings, rejections);
            }
        }

        return new DecodeResult(readings, rejections);
    }

    private void DecodeSample(string topic, WireTopic wt, Station station, JsonElement sample, int index, DateTimeOffset now, List<Reading> readings, List<Rejection> rejections)
    {
        try
        {
            // JsonDocument keeps both copies of a repeated key and TryGetProperty answers the last one, so
            // {"values":{"water_level_m":1.1,"water_level_m":99}} would store 99: reject a repeat at any depth.
            if (FindDuplicateKey(sample, "sample") is { } duplicate)
            {
                throw new SampleRejectedException(RejectionReason.InvalidStructure, $"field '{Clip(duplicate)}' appears twice");
            }

            readings.Add(wt.Stream switch
            {
                WireStream.Telemetry => ReadTelemetry(station, sample, now),
                WireStream.Event when station.Kind == StationKind.CameraTrap => ReadCameraEvent(station, sample, now),
                WireStream.Event => ReadFireEvent(station, sample, now),
                _ => ReadStatus(station, sample, now),
            });
        }
        catch (SampleRejectedException ex)
        {
            rejections.Add(new Rejection(topic, wt.Kind.ToWireName(), wt.StationId, ex.Reason, ex.Message, index, sample.GetRawText()));
        }
    }

    private TelemetryReading ReadTelemetry(Station station, JsonElement sample, DateTimeOffset now)
    {
        RequireObject(sample, "sample");
        CheckKeys(sample, TelemetryKeys, "sample");
        DateTimeOffset ts = ReadTs(sample, now);
        long seq = ReadSeq(sample, required: true)!.Value;
        if (!sample.TryGetProperty("values", out JsonElement values))
        {
            throw new SampleRejectedException(RejectionReason.MissingField, "missing field 'values'");
        }

        RequireObject(values, "values");
        var specs = FieldSpecs.TelemetryFor(station.Kind);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (JsonProperty property in values.EnumerateObject())
        {
            if (!specs.TryGetValue(property.Name, out FieldSpec? spec))
            {
                throw new SampleRejectedException(RejectionReason.UnknownField, $"unknown field 'values.{Clip(property.Name)}' for kind {station.Kind.ToWireName()}; known: {string.Join(", ", specs.Keys)}");
            }

            string name = property.Name;
            result[name] = ReadNumber(property.Value, spec, name, prefix: "values.");
        }

        if (result.Count == 0)
        {
            throw new SampleRejectedException(RejectionReason.NoValues, "'values' is empty");
        }

        return new TelemetryReading(station, ts, seq, result);
    }

    private CameraTrapEvent ReadCameraEvent(Station station, JsonElement sample, DateTimeOffset now)
    {
        RequireObject(sample, "sample");
        CheckKeys(sample, CameraEventKeys, "sample");
        DateTimeOffset ts = ReadTs(sample, now);
        long seq = ReadSeq(sample, required: true)!.Value;
        string eventId = ReadEventId(sample);
        string? imageUri = ReadOptionalString(sample, "image_uri", 1024);
        if (!sample.TryGetProperty("detections", out JsonElement list))
        {
            throw new SampleRejectedException(RejectionReason.MissingField, "missing field 'detections' (an empty list is a blank trigger)");
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new SampleRejectedException(RejectionReason.InvalidStructure, "'detections' must be a list");
        }

        var detections = new List<Detection>();
        int i = 0;
        foreach (JsonElement item in list.EnumerateArray())
        {
            string at = $"detections[{i++}]";
            RequireObject(item, at);
            CheckKeys(item, DetectionKeys, at);
            string species = ReadRequiredString(item, "species", at, 128);
            if (!OtherSpecies.Contains(species) && !IsScientificName(species))
            {
                throw new SampleRejectedException(RejectionReason.InvalidEvent, $"'{at}.species' is '{Clip(species)}': expected a scientific name, which begins with a capital Latin letter (e.g. Panthera pardus japonensis), or human, vehicle, unknown");
            }

            double count = ReadNumber(Require(item, "count", at), FieldSpecs.DetectionCount, at + ".count");
            if (count != Math.Floor(count))
            {
                throw new SampleRejectedException(RejectionReason.InvalidEvent, $"'{at}.count' must be a whole number, got {count.ToString(CultureInfo.InvariantCulture)}");
            }

            double confidence = ReadNumber(Require(item, "confidence", at), FieldSpecs.Confidence, at + ".confidence");
            detections.Add(new Detection(species, (int)count, confidence));
        }

        return new CameraTrapEvent(station, ts, seq, eventId, imageUri, detections);
    }

    private FireEvent ReadFireEvent(Station station, JsonElement sample, DateTimeOffset now)
    {
        RequireObject(sample, "sample");
        CheckKeys(sample, FireEventKeys, "sample");
        DateTimeOffset ts = ReadTs(sample, now);
        long seq = ReadSeq(sample, required: true)!.Value;
        string eventId = ReadEventId(sample);
        FireDetectionType detection = ReadRequiredString(sample, "detection", "sample", 128) switch
        {
            "smoke" => FireDetectionType.Smoke,
            "flame" => FireDetectionType.Flame,
            var other => throw new SampleRejectedException(RejectionReason.InvalidEvent, $"'detection' is '{Clip(other)}', expected smoke or flame"),
        };
        double confidence = ReadNumber(Require(sample, "confidence", "sample"), FieldSpecs.Confidence, "confidence");
        double? bearing = sample.TryGetProperty("bearing_deg", out JsonElement b) ? ReadNumber(b, FieldSpecs.BearingDeg, "bearing_deg") : null;
        return new FireEvent(station, ts, seq, eventId, detection, confidence, bearing);
    }

    private StatusReading ReadStatus(Station station, JsonElement sample, DateTimeOffset now)
    {
        RequireObject(sample, "sample");
        CheckKeys(sample, StatusKeys, "sample");
        DateTimeOffset ts = ReadTs(sample, now);
        long? seq = ReadSeq(sample, required: false);
        JsonElement online = Require(sample, "online", "sample");
        if (online.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new SampleRejectedException(RejectionReason.InvalidStructure, $"'online' must be true or false, got a JSON {online.ValueKind.ToString().ToLowerInvariant()}");
        }

        double? battery = sample.TryGetProperty("battery_v", out JsonElement bv) ? ReadNumber(bv, FieldSpecs.BatteryV, "battery_v") : null;
        double? rssi = sample.TryGetProperty("rssi_dbm", out JsonElement rs) ? ReadNumber(rs, FieldSpecs.RssiDbm, "rssi_dbm") : null;
        string? firmware = ReadOptionalString(sample, "firmware", 64);
        return new StatusReading(station, ts, seq, online.GetBoolean(), battery, rssi, firmware);
    }

    private DateTimeOffset ReadTs(JsonElement sample, DateTimeOffset now)
    {
        if (!sample.TryGetProperty("ts", out JsonElement ts))
        {
            throw new SampleRejectedException(RejectionReason.MissingTs, "missing field 'ts'");
        }

        if (ts.ValueKind != JsonValueKind.String)
        {
            throw new SampleRejectedException(RejectionReason.InvalidTs, $"'ts' must be an RFC 3339 text, got a JSON {ts.ValueKind.ToString().ToLowerInvariant()}");
        }

        string text = ts.GetString()!;
        Match match = Rfc3339().Match(text);
        if (!match.Success)
        {
            throw new SampleRejectedException(RejectionReason.InvalidTs, $"'ts' is '{Clip(text)}', not an RFC 3339 date-time");
        }

        if (!match.Groups["zone"].Success)
        {
            throw new SampleRejectedException(RejectionReason.TsWithoutZone, $"'ts' is '{text}' with no zone; add Z or an offset such as +08:00");
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset value))
        {
            throw new SampleRejectedException(RejectionReason.InvalidTs, $"'ts' is '{text}', not a valid date-time");
        }

        value = value.ToUniversalTime();
        if (value > now + options.FutureTolerance)
        {
            throw new SampleRejectedException(RejectionReason.TsInFuture, $"'ts' {text} is more than {options.FutureTolerance.TotalMinutes.ToString(CultureInfo.InvariantCulture)} min ahead of the receiver's clock ({now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ})");
        }

        if (value < options.OldestTimestamp)
        {
            throw new SampleRejectedException(RejectionReason.TsTooOld, $"'ts' {text} is before {options.OldestTimestamp.UtcDateTime:yyyy-MM-dd}: the station's clock is not set");
        }

        return value;
    }

    private static long? ReadSeq(JsonElement sample, bool required)
    {
        if (!sample.TryGetProperty("seq", out JsonElement seq))
        {
            return required ? throw new SampleRejectedException(RejectionReason.MissingSeq, "missing field 'seq'") : null;
        }

        if (seq.ValueKind != JsonValueKind.Number || !seq.TryGetInt64(out long value) || value < 0)
        {
            throw new SampleRejectedException(RejectionReason.InvalidSeq, $"'seq' must be a non-negative integer, got {Clip(seq.GetRawText())}");
        }

        return value;
    }

    private static double ReadNumber(JsonElement element, FieldSpec spec, string path, string? prefix = null)
    {
        if (element.ValueKind != JsonValueKind.Number)
        {
            throw new SampleRejectedException(RejectionReason.NotANumber, $"'{prefix}{path}' must be a number, got {Clip(element.GetRawText())}");
        }

        if (!element.TryGetDouble(out double value) || !double.IsFinite(value))
        {
            throw new SampleRejectedException(RejectionReason.NonFinite, $"'{prefix}{path}' is {Clip(element.GetRawText())}, which is not a finite number");
        }

        if (value < spec.Min || value > spec.Max)
        {
            throw new SampleRejectedException(RejectionReason.OutOfRange, $"'{prefix}{path}' is {value.ToString(CultureInfo.InvariantCulture)}, outside {spec.Min.ToString(CultureInfo.InvariantCulture)} .. {spec.Max.ToString(CultureInfo.InvariantCulture)}");
        }

        return value;
    }

    /// <summary>
    /// <c>event_id</c>: the contract allows any text. Only what cannot be stored safely is refused (empty, over the
    /// documented 128 characters, control characters, broken UTF-16); spaces, commas, quotes, '=' and the rest are kept
    /// as sent and escaped by the line-protocol writer.
    /// </summary>
    private static string ReadEventId(JsonElement sample) => ReadRequiredString(sample, "event_id", "sample", 128);

    private static string ReadRequiredString(JsonElement obj, string name, string at, int maxLength)
    {
        JsonElement element = Require(obj, name, at);
        string? text = element.ValueKind == JsonValueKind.String ? ReadText(element, Path(at, name), RejectionReason.InvalidEvent) : null;
        return text is { Length: > 0 } && text.Length <= maxLength
            ? text
            : throw new SampleRejectedException(RejectionReason.InvalidEvent, $"'{Path(at, name)}' must be a text of 1 to {maxLength} characters, got {Clip(element.GetRawText())}");
    }

    private static string? ReadOptionalString(JsonElement obj, string name, int maxLength)
    {
        if (!obj.TryGetProperty(name, out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        string? text = element.ValueKind == JsonValueKind.String ? ReadText(element, name, RejectionReason.InvalidStructure) : null;
        return text is not null && text.Length <= maxLength
            ? text
            : throw new SampleRejectedException(RejectionReason.InvalidStructure, $"'{name}' must be a text of at most {maxLength} characters, got {Clip(element.GetRawText())}");
    }

    /// <summary>
    /// A JSON text as stored: refused only when it cannot be stored safely, that is when it holds a control character
    /// (U+0000–U+001F, U+007F–U+009F: a line break ends an InfluxDB line) or an unpaired surrogate (not encodable as
    /// UTF-8).
    /// </summary>
    private static string ReadText(JsonElement element, string path, RejectionReason reason)
    {
        string text;
        try
        {
            text = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new SampleRejectedException(reason, $"'{path}' holds an unpaired UTF-16 surrogate escape, which is not text");
        }

        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]))
            {
                throw new SampleRejectedException(reason, $"'{path}' holds the control character U+{(int)text[i]:X4} at position {i}; control characters cannot be stored");
            }

        }

        if (!IsWellFormed(text))
        {
            throw new SampleRejectedException(reason, $"'{path}' holds an unpaired UTF-16 surrogate, which is not text");
        }

        return text;
    }

    private static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The contract says only "a scientific name". Every scientific name, of any rank, begins with a capitalised Latin
    /// name, so that is all that is checked: epithets, <c>sp.</c>, hybrid signs and authorship are the station's
    /// business. A backslash is refused: the species is an InfluxDB tag, and InfluxDB 1.x cannot store a tag value
    /// with a backslash before a space, comma or '=' or at its end (it has no escape for a backslash in tags).
    /// </summary>
    private static bool IsScientificName(string species) => species[0] is >= 'A' and <= 'Z' && !species.Contains('\\', StringComparison.Ordinal);

    private static JsonElement Require(JsonElement obj, string name, string at) =>
        obj.TryGetProperty(name, out JsonElement value)
            ? value
            : throw new SampleRejectedException(RejectionReason.MissingField, $"missing field '{Path(at, name)}'");

    private static void RequireObject(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SampleRejectedException(RejectionReason.InvalidStructure, $"'{what}' must be a JSON object, got a JSON {element.ValueKind.ToString().ToLowerInvariant()}");
        }
    }

    private static void CheckKeys(JsonElement obj, string[] allowed, string at)
    {
        // Repeated keys were already refused by FindDuplicateKey.
        foreach (JsonProperty property in obj.EnumerateObject())
        {
            if (!allowed.Contains(property.Name))
            {
                throw new SampleRejectedException(RejectionReason.UnknownField, $"unknown field '{Path(at, Clip(property.Name))}'; known: {string.Join(", ", allowed)}");
            }
        }
    }

    private static int CountProperties(JsonElement obj, string? name = null)
    {
        int n = 0;
        foreach (JsonProperty property in obj.EnumerateObject())
        {
            if (name is null || property.NameEquals(name))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// The path of the first key that appears twice in one object anywhere in <paramref name="element"/>
    /// (names compared after unescaping, as JsonElement looks them up), or null. Depth is bounded by MaxDepth.
    /// </summary>
    private static string? FindDuplicateKey(JsonElement element, string at)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                // Paths are built only on the way to an answer or into a nested object or list: a valid sample costs
                // no path text. The sets are reused per thread and depth.
                HashSet<string> seen = RentNameSet();
                try
                {
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        string name = property.Name;
                        if (!seen.Add(name))
                        {
                            return Path(at, name);
                        }

                        if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array
                            && FindDuplicateKey(property.Value, Path(at, name)) is { } inner)
                        {
                            return inner;
                        }
                    }

                    return null;
                }
                finally
                {
                    ReturnNameSet(seen);
                }

            case JsonValueKind.Array:
                int i = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (FindDuplicateKey(item, $"{(at == "sample" ? string.Empty : at)}[{i++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static string Path(string at, string name) => at == "sample" ? name : $"{at}.{name}";

    [ThreadStatic]
    private static Stack<HashSet<string>>? _nameSets;

    private static HashSet<string> RentNameSet() =>
        _nameSets is { Count: > 0 } sets ? sets.Pop() : new HashSet<string>(StringComparer.Ordinal);

    private static void ReturnNameSet(HashSet<string> set)
    {
        // A set grown by a hostile payload (thousands of keys) is let go rather than kept for the thread's life.
        if (set.Count <= 64)
        {
            set.Clear();
            (_nameSets ??= new Stack<HashSet<string>>()).Push(set);
        }
    }

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "…";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(?<zone>[Zz]|[+-]\d{2}:\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    private sealed class SampleRejectedException(RejectionReason reason, string message) : Exception(message)
    {
        public RejectionReason Reason { get; } = reason;
    }
}
