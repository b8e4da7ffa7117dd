using System.Collections.Frozen;
using System.Globalization;
using System.Runtime.InteropServices;
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
    private static readonly KeySet TelemetryKeys = new("ts", "seq", "values");
    private static readonly KeySet CameraEventKeys = new("ts", "seq", "event_id", "image_uri", "detections");
    private static readonly KeySet DetectionKeys = new("species", "count", "confidence");
    private static readonly KeySet FireEventKeys = new("ts", "seq", "event_id", "detection", "confidence", "bearing_deg");
    private static readonly KeySet StatusKeys = new("ts", "seq", "online", "battery_v", "rssi_dbm", "firmware");
    private static readonly string[] OtherSpecies = ["human", "vehicle", "unknown"];

    // The telemetry fields of each kind with their names in UTF-8, so that a property name is matched without a string.
    private static readonly FrozenDictionary<StationKind, (byte[] Name, FieldSpec Spec)[]> TelemetryFields =
        Enum.GetValues<StationKind>().ToFrozenDictionary(k => k, k => FieldSpecs.TelemetryFor(k).Values.Select(s => (Encoding.UTF8.GetBytes(s.Name), s)).ToArray());

    /// <summary>
    /// Decodes one message received on <paramref name="topic"/> at receiver time <paramref name="now"/>. The payload is
    /// read in place (not copied) and only while the call lasts.
    /// </summary>
    public DecodeResult Decode(string topic, ReadOnlyMemory<byte> payload, DateTimeOffset now)
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
            ReadOnlySpan<byte> head = payload.Span[..Math.Min(payload.Length, 1024)];
            bool headIsText = Utf8.IsValid(head);
            rejections.Add(Whole(RejectionReason.PayloadTooLarge, $"payload is {payload.Length} bytes, the limit is {options.MaxPayloadBytes}; the first {head.Length} bytes are kept", head, !headIsText));
            return new DecodeResult(readings, rejections);
        }

        if (!Utf8.IsValid(payload.Span))
        {
            rejections.Add(Whole(RejectionReason.InvalidUtf8, "payload is not valid UTF-8", payload.Span, base64: true));
            return new DecodeResult(readings, rejections);
        }

        if (!topicOk)
        {
            rejections.Add(Whole(RejectionReason.InvalidTopic, topicError, payload.Span));
            return new DecodeResult(readings, rejections);
        }

        if (!registry.TryGet(wt.StationId, out Station? station))
        {
            rejections.Add(Whole(RejectionReason.UnknownStation, $"station '{wt.StationId}' is not in the registry", payload.Span));
            return new DecodeResult(readings, rejections);
        }

        if (station.Kind != wt.Kind)
        {
            rejections.Add(Whole(RejectionReason.KindMismatch, $"station '{station.Id}' is a {station.Kind.ToWireName()} station, the topic says {wt.Kind.ToWireName()}", payload.Span));
            return new DecodeResult(readings, rejections);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = options.MaxDepth });
        }
        catch (JsonException ex)
        {
            rejections.Add(Whole(RejectionReason.MalformedJson, "payload is not valid JSON: " + ex.Message, payload.Span));
            return new DecodeResult(readings, rejections);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                rejections.Add(Whole(RejectionReason.InvalidStructure, $"payload is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, expected an object", payload.Span));
                return new DecodeResult(readings, rejections);
            }

            int samplesKeys = FindSamples(root, out JsonElement samples);
            if (samplesKeys > 0)
            {
                if (CountProperties(root) != 1)
                {
                    rejections.Add(Whole(RejectionReason.InvalidStructure,
                        samplesKeys > 1 ? "field 'samples' appears twice" : "a backlog message has only the field 'samples'", payload.Span));
                }
                else if (samples.ValueKind != JsonValueKind.Array)
                {
                    rejections.Add(Whole(RejectionReason.InvalidStructure, "'samples' must be a list", payload.Span));
                }
                else if (samples.GetArrayLength() == 0)
                {
                    rejections.Add(Whole(RejectionReason.NoValues, "'samples' is empty", payload.Span));
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
            RefuseRepeatedKeys(sample);

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
        if (!sample.TryGetProperty("values"u8, out JsonElement values))
        {
            throw new SampleRejectedException(RejectionReason.MissingField, "missing field 'values'");
        }

        RequireObject(values, "values");
        (byte[] Name, FieldSpec Spec)[] fields = TelemetryFields[station.Kind];
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (JsonProperty property in values.EnumerateObject())
        {
            // The field's own name string is the key: a property name is compared as UTF-8 and never made a string.
            FieldSpec spec = FindField(fields, property)
                ?? throw new SampleRejectedException(RejectionReason.UnknownField, $"unknown field 'values.{Clip(property.Name)}' for kind {station.Kind.ToWireName()}; known: {string.Join(", ", FieldSpecs.TelemetryFor(station.Kind).Keys)}");
            result[spec.Name] = ReadNumber(property.Value, spec, spec.Name, prefix: "values.");
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
        if (!sample.TryGetProperty("ts"u8, out JsonElement ts))
        {
            throw new SampleRejectedException(RejectionReason.MissingTs, "missing field 'ts'");
        }

        if (ts.ValueKind != JsonValueKind.String)
        {
            throw new SampleRejectedException(RejectionReason.InvalidTs, $"'ts' must be an RFC 3339 text, got a JSON {ts.ValueKind.ToString().ToLowerInvariant()}");
        }

        // The usual form (2023-07-31T02:15:00Z, +08:00, up to 7 decimals) is read from the UTF-8 as it stands; any other
        // text goes through the pattern and DateTimeOffset.TryParse, which also give each refusal its reason.
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(ts)[1..^1];
        string? text = null;
        if (!TryParseUsualTimestamp(raw, out DateTimeOffset value))
        {
            text = ts.GetString()!;
            Match match = Rfc3339().Match(text);
            if (!match.Success)
            {
                throw new SampleRejectedException(RejectionReason.InvalidTs, $"'ts' is '{Clip(text)}', not an RFC 3339 date-time");
            }

            if (!match.Groups["zone"].Success)
            {
                throw new SampleRejectedException(RejectionReason.TsWithoutZone, $"'ts' is '{text}' with no zone; add Z or an offset such as +08:00");
            }

            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
            {
                throw new SampleRejectedException(RejectionReason.InvalidTs, $"'ts' is '{text}', not a valid date-time");
            }

            value = value.ToUniversalTime();
        }

        if (value > now + options.FutureTolerance)
        {
            text ??= ts.GetString()!;
            throw new SampleRejectedException(RejectionReason.TsInFuture, $"'ts' {text} is more than {options.FutureTolerance.TotalMinutes.ToString(CultureInfo.InvariantCulture)} min ahead of the receiver's clock ({now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ})");
        }

        if (value < options.OldestTimestamp)
        {
            text ??= ts.GetString()!;
            throw new SampleRejectedException(RejectionReason.TsTooOld, $"'ts' {text} is before {options.OldestTimestamp.UtcDateTime:yyyy-MM-dd}: the station's clock is not set");
        }

        return value;
    }

    private static long? ReadSeq(JsonElement sample, bool required)
    {
        if (!sample.TryGetProperty("seq"u8, out JsonElement seq))
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

    private static void CheckKeys(JsonElement obj, KeySet allowed, string at)
    {
        // Repeated keys were already refused by RefuseRepeatedKeys.
        foreach (JsonProperty property in obj.EnumerateObject())
        {
            if (!allowed.Contains(property))
            {
                throw new SampleRejectedException(RejectionReason.UnknownField, $"unknown field '{Path(at, Clip(property.Name))}'; known: {allowed.Known}");
            }
        }
    }

    private static FieldSpec? FindField((byte[] Name, FieldSpec Spec)[] fields, JsonProperty property)
    {
        foreach ((byte[] name, FieldSpec spec) in fields)
        {
            if (property.NameEquals(name))
            {
                return spec;
            }
        }

        return null;
    }

    private static int CountProperties(JsonElement obj)
    {
        int n = 0;
        foreach (JsonProperty _ in obj.EnumerateObject())
        {
            n++;
        }

        return n;
    }

    /// <summary>
    /// How many times <paramref name="root"/> has the key <c>samples</c>, and the value of the last one. Unlike
    /// TryGetProperty, a name that is no text (an unpaired surrogate escape) does not throw here: it is not 'samples',
    /// and the sample's own key check refuses it.
    /// </summary>
    private static int FindSamples(JsonElement root, out JsonElement samples)
    {
        int n = 0;
        samples = default;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
            if (raw.Contains((byte)'\\') ? TryGetName(property) == "samples" : raw.SequenceEqual("samples"u8))
            {
                n++;
                samples = property.Value;
            }
        }

        return n;
    }

    /// <summary>
    /// Refuses a sample in which one object, at any depth, has a key twice (names compared after unescaping, as
    /// JsonElement looks them up), or a key that is no text (an unpaired UTF-16 surrogate escape, which JsonElement
    /// cannot turn into a string). The first such key in the order of the payload is named.
    /// </summary>
    private static void RefuseRepeatedKeys(JsonElement sample)
    {
        if (FindKeyProblem(sample) is not { } problem)
        {
            return;
        }

        string path = problem.Path();
        throw new SampleRejectedException(RejectionReason.InvalidStructure, problem.NotText
            ? $"field '{Clip(path)}' has a name with an unpaired UTF-16 surrogate escape, which is not text"
            : $"field '{Clip(path)}' appears twice");
    }

    /// <summary>
    /// The first repeated or unreadable key in <paramref name="element"/>, or null. A name without escapes (nearly
    /// all) is compared as the UTF-8 that stands in the payload, so a valid sample costs no string; the path of the
    /// key is built only when there is one. Depth is bounded by MaxDepth.
    /// </summary>
    private static KeyProblem? FindKeyProblem(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                Utf8NameSet seen = Utf8NameSet.Rent();
                try
                {
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
                        bool added;
                        if (!raw.Contains((byte)'\\'))
                        {
                            added = seen.Add(raw);
                        }
                        else if (TryGetName(property) is { } unescaped)
                        {
                            added = seen.Add(Encoding.UTF8.GetBytes(unescaped));
                        }
                        else
                        {
                            return new KeyProblem(Encoding.UTF8.GetString(raw), NotText: true);
                        }

                        if (!added)
                        {
                            return new KeyProblem(property.Name, NotText: false);
                        }

                        if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array
                            && FindKeyProblem(property.Value) is { } inner)
                        {
                            return inner.Under(property.Name);
                        }
                    }

                    return null;
                }
                finally
                {
                    seen.Return();
                }

            case JsonValueKind.Array:
                int i = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (FindKeyProblem(item) is { } inner)
                    {
                        return inner.Under(i);
                    }

                    i++;
                }

                return null;
            default:
                return null;
        }
    }

    private static string? TryGetName(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return null; // an unpaired surrogate escape such as \ud800
        }
    }

    private static string Path(string at, string name) => at == "sample" ? name : $"{at}.{name}";

    /// <summary>
    /// yyyy-MM-ddTHH:mm:ss, then up to 7 decimals, then Z or ±hh:mm (at most 14:00), in ASCII digits, a date and time
    /// that exist: the instant in UTC, read straight from the UTF-8. False for any other text (lower-case t or z,
    /// 8 or 9 decimals, other digits, escapes, 24:00, an instant outside DateTimeOffset's range, …), which the caller
    /// then reads with the pattern and DateTimeOffset.TryParse as it always did: this gives the same instant as they do
    /// for the texts it accepts, and leaves every other text, and every refusal, to them.
    /// </summary>
    private static bool TryParseUsualTimestamp(ReadOnlySpan<byte> t, out DateTimeOffset value)
    {
        value = default;
        if (t.Length < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':'
            || !TryDigits(t[..4], out int year) || !TryDigits(t.Slice(5, 2), out int month) || !TryDigits(t.Slice(8, 2), out int day)
            || !TryDigits(t.Slice(11, 2), out int hour) || !TryDigits(t.Slice(14, 2), out int minute) || !TryDigits(t.Slice(17, 2), out int second))
        {
            return false;
        }

        int i = 19;
        long fraction = 0;
        if (t[i] == '.')
        {
            int first = ++i;
            while (i < t.Length && char.IsAsciiDigit((char)t[i]))
            {
                fraction = (fraction * 10) + (t[i++] - '0');
            }

            if (i - first is 0 or > 7)
            {
                return false;
            }

            for (int d = i - first; d < 7; d++)
            {
                fraction *= 10;
            }
        }

        ReadOnlySpan<byte> zone = t[i..];
        long offsetTicks;
        if (zone is [(byte)'Z'])
        {
            offsetTicks = 0;
        }
        else if (zone.Length == 6 && zone[0] is (byte)'+' or (byte)'-' && zone[3] == ':'
            && TryDigits(zone.Slice(1, 2), out int offsetHours) && TryDigits(zone.Slice(4, 2), out int offsetMinutes)
            && offsetMinutes <= 59 && (offsetHours < 14 || (offsetHours == 14 && offsetMinutes == 0)))
        {
            offsetTicks = (zone[0] == '-' ? -1 : 1) * ((offsetHours * TimeSpan.TicksPerHour) + (offsetMinutes * TimeSpan.TicksPerMinute));
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        long utcTicks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fraction - offsetTicks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        value = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        foreach (byte b in digits)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "…";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(?<zone>[Zz]|[+-]\d{2}:\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    private sealed class SampleRejectedException(RejectionReason reason, string message) : Exception(message)
    {
        public RejectionReason Reason { get; } = reason;
    }

    /// <summary>The keys an object may have: as text for the messages, as UTF-8 to match a property name without a string.</summary>
    private sealed class KeySet(params string[] names)
    {
        private readonly byte[][] _utf8 = [.. names.Select(Encoding.UTF8.GetBytes)];

        /// <summary>The keys, for a message: "ts, seq, values".</summary>
        public string Known { get; } = string.Join(", ", names);

        public bool Contains(JsonProperty property)
        {
            foreach (byte[] name in _utf8)
            {
                if (property.NameEquals(name))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// A repeated or unreadable key, and the way to it from the sample, innermost step first (kept only when there is a
    /// problem, so the path text of a valid sample is never built).
    /// </summary>
    private sealed record KeyProblem(string Name, bool NotText)
    {
        private readonly List<(string? Name, int Index)> _outer = [];

        public KeyProblem Under(string name)
        {
            _outer.Add((name, 0));
            return this;
        }

        public KeyProblem Under(int index)
        {
            _outer.Add((null, index));
            return this;
        }

        /// <summary>The path as the messages have always given it: values.water_level_m, detections[0].count, [1].x.</summary>
        public string Path()
        {
            string at = "sample";
            for (int i = _outer.Count - 1; i >= 0; i--)
            {
                at = _outer[i].Name is { } name ? WireDecoder.Path(at, name) : $"{(at == "sample" ? string.Empty : at)}[{_outer[i].Index}]";
            }

            return WireDecoder.Path(at, Name);
        }
    }

    /// <summary>
    /// The names of one object, as UTF-8 in one buffer. The first <see cref="LinearLimit"/> names are compared one by one
    /// (a sample has a handful of keys); past that an open-addressing index is built (hashes seeded per process, so a
    /// payload cannot be built to collide), and a hostile object of thousands of keys costs linear time. Reused per
    /// thread and depth: a valid sample allocates nothing here.
    /// </summary>
    private sealed class Utf8NameSet
    {
        private const int LinearLimit = 8;

        [ThreadStatic]
        private static Stack<Utf8NameSet>? _free;

        private byte[] _text = new byte[256];
        private int _textLength;
        private (int Start, int Length, int Hash)[] _names = new (int, int, int)[LinearLimit];
        private int[] _slots = new int[4 * LinearLimit]; // 1 + the name's number; 0 is free. At least twice as many slots as names.
        private int _count;

        public static Utf8NameSet Rent() => _free is { Count: > 0 } free ? free.Pop() : new Utf8NameSet();

        public void Return()
        {
            // A set grown by a hostile payload (thousands of keys) is let go rather than kept for the thread's life.
            if (_count <= 64 && _text.Length <= 4096)
            {
                if (_count >= LinearLimit)
                {
                    Array.Clear(_slots);
                }

                _count = 0;
                _textLength = 0;
                (_free ??= new Stack<Utf8NameSet>()).Push(this);
            }
        }

        /// <summary>False when the set already has <paramref name="name"/>.</summary>
        public bool Add(ReadOnlySpan<byte> name)
        {
            if (_count < LinearLimit)
            {
                for (int n = 0; n < _count; n++)
                {
                    (int start, int length, _) = _names[n];
                    if (length == name.Length && _text.AsSpan(start, length).SequenceEqual(name))
                    {
                        return false;
                    }
                }

                Store(name, 0);
                if (_count == LinearLimit)
                {
                    for (int n = 0; n < _count; n++)
                    {
                        _names[n].Hash = Hash(_text.AsSpan(_names[n].Start, _names[n].Length));
                    }

                    Grow();
                }

                return true;
            }

            int hash = Hash(name);
            int mask = _slots.Length - 1;
            int slot = hash & mask;
            while (_slots[slot] != 0)
            {
                (int start, int length, int other) = _names[_slots[slot] - 1];
                if (other == hash && _text.AsSpan(start, length).SequenceEqual(name))
                {
                    return false;
                }

                slot = (slot + 1) & mask;
            }

            Store(name, hash);
            _slots[slot] = _count;
            if (_count * 2 > _slots.Length)
            {
                Grow();
            }

            return true;
        }

        private static int Hash(ReadOnlySpan<byte> name)
        {
            var hasher = default(HashCode);
            hasher.AddBytes(name);
            return hasher.ToHashCode();
        }

        private void Store(ReadOnlySpan<byte> name, int hash)
        {
            if (_count == _names.Length)
            {
                Array.Resize(ref _names, _count * 2);
            }

            if (_textLength + name.Length > _text.Length)
            {
                Array.Resize(ref _text, Math.Max(_text.Length * 2, _textLength + name.Length));
            }

            name.CopyTo(_text.AsSpan(_textLength));
            _names[_count++] = (_textLength, name.Length, hash);
            _textLength += name.Length;
        }

        /// <summary>Indexes every name again in twice as many slots (and the first time, when the index is built).</summary>
        private void Grow()
        {
            _slots = _count == LinearLimit ? _slots : new int[_slots.Length * 2];
            int mask = _slots.Length - 1;
            for (int n = 0; n < _count; n++)
            {
                int slot = _names[n].Hash & mask;
                while (_slots[slot] != 0)
                {
                    slot = (slot + 1) & mask;
                }

                _slots[slot] = n + 1;
            }
        }
    }
}
