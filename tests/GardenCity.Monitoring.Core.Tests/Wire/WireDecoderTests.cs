using System.Text;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Wire;

namespace GardenCity.Monitoring.Core.Tests.Wire;

public sealed class WireDecoderTests
{
    private static readonly DateTimeOffset Now = new(2023, 7, 31, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Later = new(2024, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly WireDecoder _decoder = new(TestRegistry.Instance, new WireDecoderOptions());

    private DecodeResult Decode(string topic, string json) => Decode(topic, json, Now);

    private DecodeResult Decode(string topic, string json, DateTimeOffset now) => _decoder.Decode(topic, Encoding.UTF8.GetBytes(json), now);

    [Fact]
    public void Decode_SingleWaterLevelSample_ReturnsTelemetryWithUtcTimestampSeqAndValues()
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry", """{"ts":"2023-07-31T10:15:00+08:00","seq":18342,"values":{"water_level_m":3.42,"rain_mm":12.5}}""");

        Assert.Empty(result.Rejections);
        var reading = Assert.IsType<TelemetryReading>(Assert.Single(result.Readings));
        Assert.Equal("yd-wl-03", reading.Station.Id);
        Assert.Equal(new DateTimeOffset(2023, 7, 31, 2, 15, 0, TimeSpan.Zero), reading.Timestamp);
        Assert.Equal(TimeSpan.Zero, reading.Timestamp.Offset);
        Assert.Equal(18342, reading.Seq);
        Assert.Equal(3.42, reading.Values["water_level_m"]);
        Assert.Equal(12.5, reading.Values["rain_mm"]);
    }

    [Fact]
    public void Decode_Backlog_ReturnsSamplesInOrder()
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry",
            """{"samples":[{"ts":"2023-07-31T02:15:00Z","seq":18342,"values":{"water_level_m":3.42}},{"ts":"2023-07-31T02:20:00Z","seq":18343,"values":{"water_level_m":3.61}}]}""");

        Assert.Empty(result.Rejections);
        Assert.Equal([18342L, 18343L], result.Readings.Select(r => r.Seq!.Value));
        Assert.Equal([3.42, 3.61], result.Readings.Cast<TelemetryReading>().Select(r => r.Values["water_level_m"]));
    }

    [Fact]
    public void Decode_BacklogWithGoodAndBadSamples_AcceptsGoodAndRejectsBadWithIndexAndOriginal()
    {
        DecodeResult result = Decode("gc/v1/weather/zt-wx-01/telemetry",
            """{"samples":[{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"rain_mm":40.2}},{"ts":"2023-07-31T02:05:00Z","seq":2,"values":{"rain_mm":-3}},{"ts":"2023-07-31T02:10:00Z","seq":3,"values":{"rh_pct":96}}]}""");

        Assert.Equal([1L, 3L], result.Readings.Select(r => r.Seq!.Value));
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.OutOfRange, rejection.Reason);
        Assert.Equal(1, rejection.SampleIndex);
        Assert.Equal("zt-wx-01", rejection.StationId);
        Assert.Equal("weather", rejection.Kind);
        Assert.Contains("\"rain_mm\":-3", rejection.Payload, StringComparison.Ordinal);
        Assert.Contains("rain_mm", rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_CameraTrapEvent_ReturnsDetections()
    {
        DecodeResult result = Decode("gc/v1/camera-trap/bhs-ct-07/event",
            """{"ts":"2024-10-02T21:47:13+08:00","seq":553,"event_id":"bhs-ct-07-000553","image_uri":"s3://camera-traps/bhs-ct-07/000553.jpg","detections":[{"species":"Panthera pardus japonensis","count":1,"confidence":0.94}]}""", Later);

        Assert.Empty(result.Rejections);
        var e = Assert.IsType<CameraTrapEvent>(Assert.Single(result.Readings));
        Assert.Equal("bhs-ct-07-000553", e.EventId);
        Assert.Equal("s3://camera-traps/bhs-ct-07/000553.jpg", e.ImageUri);
        Assert.Equal(new Detection("Panthera pardus japonensis", 1, 0.94), Assert.Single(e.Detections));
    }

    [Fact]
    public void Decode_BlankCameraTrigger_ReturnsEventWithoutDetections()
    {
        DecodeResult result = Decode("gc/v1/camera-trap/bhs-ct-01/event", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"bhs-ct-01-000009","detections":[]}""", Later);

        var e = Assert.IsType<CameraTrapEvent>(Assert.Single(result.Readings));
        Assert.Empty(e.Detections);
        Assert.Null(e.ImageUri);
    }

    [Fact]
    public void Decode_FireEvent_ReturnsDetectionConfidenceAndBearing()
    {
        DecodeResult result = Decode("gc/v1/fire/mfs-fire-02/event", """{"ts":"2024-04-03T13:05:40+08:00","seq":91,"event_id":"mfs-fire-02-000091","detection":"smoke","confidence":0.81,"bearing_deg":212}""", Later);

        var e = Assert.IsType<FireEvent>(Assert.Single(result.Readings));
        Assert.Equal(FireDetectionType.Smoke, e.Detection);
        Assert.Equal(0.81, e.Confidence);
        Assert.Equal(212, e.BearingDeg);
    }

    [Fact]
    public void Decode_StatusWithoutSeq_ReturnsStatus()
    {
        DecodeResult result = Decode("gc/v1/camera-trap/bhs-ct-07/status", """{"ts":"2024-10-02T21:50:00+08:00","online":true,"battery_v":12.4,"rssi_dbm":-97,"firmware":"2.3.1"}""", Later);

        var s = Assert.IsType<StatusReading>(Assert.Single(result.Readings));
        Assert.True(s.Online);
        Assert.Null(s.Seq);
        Assert.Equal(12.4, s.BatteryV);
        Assert.Equal(-97, s.RssiDbm);
        Assert.Equal("2.3.1", s.Firmware);
    }

    [Fact]
    public void Decode_LastWillStatus_ReturnsOffline()
    {
        DecodeResult result = Decode("gc/v1/weather/qs-wx-01/status", """{"ts":"2023-07-31T02:00:00Z","online":false}""");

        Assert.False(Assert.IsType<StatusReading>(Assert.Single(result.Readings)).Online);
    }

    [Theory]
    [InlineData("gc/v1/weather/qs-wx-01", RejectionReason.InvalidTopic)]
    [InlineData("gc/v2/weather/qs-wx-01/telemetry", RejectionReason.InvalidTopic)]
    [InlineData("gc/v1/seismic/qs-wx-01/telemetry", RejectionReason.InvalidTopic)]
    [InlineData("gc/v1/weather/QS-WX-01/telemetry", RejectionReason.InvalidTopic)]
    [InlineData("gc/v1/weather/qs-wx-01/diary", RejectionReason.InvalidTopic)]
    [InlineData("gc/v1/weather/qs-wx-01/event", RejectionReason.InvalidTopic)]
    [InlineData("gc/v1/weather/nobody-here/telemetry", RejectionReason.UnknownStation)]
    [InlineData("gc/v1/fire/qs-wx-01/telemetry", RejectionReason.KindMismatch)]
    public void Decode_BadTopic_RejectsWholeMessage(string topic, RejectionReason expected)
    {
        DecodeResult result = Decode(topic, """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":21.5}}""");

        Assert.Empty(result.Readings);
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(expected, rejection.Reason);
        Assert.Null(rejection.SampleIndex);
        Assert.Contains("air_temp_c", rejection.Payload, StringComparison.Ordinal);
    }

    public static TheoryData<string, RejectionReason, string> BadSamples => new()
    {
        { """{"seq":1,"values":{"air_temp_c":21.5}}""", RejectionReason.MissingTs, "ts" },
        { """{"ts":1690768800,"seq":1,"values":{"air_temp_c":21.5}}""", RejectionReason.InvalidTs, "ts" },
        { """{"ts":"yesterday","seq":1,"values":{"air_temp_c":21.5}}""", RejectionReason.InvalidTs, "ts" },
        { """{"ts":"2023-02-30T02:00:00Z","seq":1,"values":{"air_temp_c":21.5}}""", RejectionReason.InvalidTs, "ts" },
        { """{"ts":"2023-07-31T02:00:00","seq":1,"values":{"air_temp_c":21.5}}""", RejectionReason.TsWithoutZone, "zone" },
        { """{"ts":"2023-07-31T03:05:01Z","seq":1,"values":{"air_temp_c":21.5}}""", RejectionReason.TsInFuture, "ahead" },
        { """{"ts":"1970-01-01T00:00:00Z","seq":1,"values":{"air_temp_c":21.5}}""", RejectionReason.TsTooOld, "clock" },
        { """{"ts":"2023-07-31T02:00:00Z","values":{"air_temp_c":21.5}}""", RejectionReason.MissingSeq, "seq" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":-1,"values":{"air_temp_c":21.5}}""", RejectionReason.InvalidSeq, "seq" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1.5,"values":{"air_temp_c":21.5}}""", RejectionReason.InvalidSeq, "seq" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":"7","values":{"air_temp_c":21.5}}""", RejectionReason.InvalidSeq, "seq" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":"21.5"}}""", RejectionReason.NotANumber, "air_temp_c" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":null}}""", RejectionReason.NotANumber, "air_temp_c" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":"NaN"}}""", RejectionReason.NotANumber, "air_temp_c" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":true}}""", RejectionReason.NotANumber, "air_temp_c" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":1e999}}""", RejectionReason.NonFinite, "air_temp_c" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":61}}""", RejectionReason.OutOfRange, "air_temp_c" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"rh_pct":100.5}}""", RejectionReason.OutOfRange, "rh_pct" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"rain_mm":-0.1}}""", RejectionReason.OutOfRange, "rain_mm" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"pressure_hpa":499}}""", RejectionReason.OutOfRange, "pressure_hpa" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":21.5,"air_temp_f":70.7}}""", RejectionReason.UnknownField, "air_temp_f" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":2.1}}""", RejectionReason.UnknownField, "water_level_m" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":21.5},"note":"hi"}""", RejectionReason.UnknownField, "note" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1}""", RejectionReason.MissingField, "values" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{}}""", RejectionReason.NoValues, "values" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":[21.5]}""", RejectionReason.InvalidStructure, "values" },
        { """{"ts":"2023-07-31T02:00:00Z","seq":1,"seq":2,"values":{"air_temp_c":21.5}}""", RejectionReason.InvalidStructure, "twice" },
    };

    [Theory]
    [MemberData(nameof(BadSamples))]
    public void Decode_BadWeatherSample_RejectsSampleWithReasonNamingTheField(string sample, RejectionReason expected, string mentioned)
    {
        DecodeResult result = Decode("gc/v1/weather/qs-wx-01/telemetry", sample);

        Assert.Empty(result.Readings);
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(expected, rejection.Reason);
        Assert.Equal(0, rejection.SampleIndex);
        Assert.Contains(mentioned, rejection.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, RejectionReason> BadEvents => new()
    {
        { "camera-trap/bhs-ct-01", """{"ts":"2024-10-02T13:47:13Z","seq":9,"detections":[]}""", RejectionReason.MissingField },
        { "camera-trap/bhs-ct-01", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e\n1","detections":[]}""", RejectionReason.InvalidEvent },
        { "camera-trap/bhs-ct-01", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1"}""", RejectionReason.MissingField },
        { "camera-trap/bhs-ct-01", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1","detections":{}}""", RejectionReason.InvalidStructure },
        { "camera-trap/bhs-ct-01", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1","detections":[{"species":"leopard","count":1,"confidence":0.9}]}""", RejectionReason.InvalidEvent },
        { "camera-trap/bhs-ct-01", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1","detections":[{"species":"Sus scrofa","count":0,"confidence":0.9}]}""", RejectionReason.OutOfRange },
        { "camera-trap/bhs-ct-01", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1","detections":[{"species":"Sus scrofa","count":2.5,"confidence":0.9}]}""", RejectionReason.InvalidEvent },
        { "camera-trap/bhs-ct-01", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1","detections":[{"species":"Sus scrofa","count":2,"confidence":1.2}]}""", RejectionReason.OutOfRange },
        { "camera-trap/bhs-ct-01", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1","detections":[{"species":"Sus scrofa","count":2}]}""", RejectionReason.MissingField },
        { "camera-trap/bhs-ct-01", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1","detections":[{"species":"Sus scrofa","count":2,"confidence":0.7,"sex":"f"}]}""", RejectionReason.UnknownField },
        { "fire/mfs-fire-02", """{"ts":"2024-04-03T05:05:40Z","seq":91,"event_id":"f1","detection":"steam","confidence":0.81}""", RejectionReason.InvalidEvent },
        { "fire/mfs-fire-02", """{"ts":"2024-04-03T05:05:40Z","seq":91,"event_id":"f1","detection":"flame"}""", RejectionReason.MissingField },
        { "fire/mfs-fire-02", """{"ts":"2024-04-03T05:05:40Z","seq":91,"event_id":"f1","detection":"flame","confidence":0.9,"bearing_deg":361}""", RejectionReason.OutOfRange },
        { "fire/mfs-fire-02", """{"ts":"2024-04-03T05:05:40Z","event_id":"f1","detection":"flame","confidence":0.9}""", RejectionReason.MissingSeq },
    };

    [Theory]
    [MemberData(nameof(BadEvents))]
    public void Decode_BadEvent_RejectsSample(string station, string sample, RejectionReason expected)
    {
        DecodeResult result = _decoder.Decode($"gc/v1/{station}/event", Encoding.UTF8.GetBytes(sample), new DateTimeOffset(2024, 12, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Empty(result.Readings);
        Assert.Equal(expected, Assert.Single(result.Rejections).Reason);
    }

    [Theory]
    [InlineData("""{"ts":"2024-10-02T13:50:00Z"}""", RejectionReason.MissingField)]
    [InlineData("""{"ts":"2024-10-02T13:50:00Z","online":"yes"}""", RejectionReason.InvalidStructure)]
    [InlineData("""{"ts":"2024-10-02T13:50:00Z","online":true,"battery_v":61}""", RejectionReason.OutOfRange)]
    [InlineData("""{"ts":"2024-10-02T13:50:00Z","online":true,"rssi_dbm":3}""", RejectionReason.OutOfRange)]
    [InlineData("""{"ts":"2024-10-02T13:50:00Z","online":true,"firmware":7}""", RejectionReason.InvalidStructure)]
    public void Decode_BadStatus_RejectsSample(string sample, RejectionReason expected)
    {
        DecodeResult result = _decoder.Decode("gc/v1/camera-trap/bhs-ct-07/status", Encoding.UTF8.GetBytes(sample), new DateTimeOffset(2024, 12, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Empty(result.Readings);
        Assert.Equal(expected, Assert.Single(result.Rejections).Reason);
    }

    [Theory]
    [InlineData("{\"ts\":", RejectionReason.MalformedJson)]
    [InlineData("not json", RejectionReason.MalformedJson)]
    [InlineData("[1,2,3]", RejectionReason.InvalidStructure)]
    [InlineData("\"text\"", RejectionReason.InvalidStructure)]
    [InlineData("""{"samples":[]}""", RejectionReason.NoValues)]
    [InlineData("""{"samples":{}}""", RejectionReason.InvalidStructure)]
    [InlineData("""{"samples":[],"seq":1}""", RejectionReason.InvalidStructure)]
    [InlineData("""{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{}}}}}}}}}}""", RejectionReason.MalformedJson)]
    public void Decode_BadMessage_RejectsWholeMessage(string payload, RejectionReason expected)
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-01/telemetry", payload);

        Assert.Empty(result.Readings);
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(expected, rejection.Reason);
        Assert.Null(rejection.SampleIndex);
    }

    [Fact]
    public void Decode_BacklogItemNotAnObject_RejectsThatItemOnly()
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-01/telemetry", """{"samples":[42,{"ts":"2023-07-31T02:00:00Z","seq":5,"values":{"water_level_m":1.2}}]}""");

        Assert.Equal(5, Assert.Single(result.Readings).Seq);
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.InvalidStructure, rejection.Reason);
        Assert.Equal(0, rejection.SampleIndex);
        Assert.Equal("42", rejection.Payload);
    }

    [Fact]
    public void Decode_InvalidUtf8_RejectsWithBase64Payload()
    {
        byte[] payload = [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d];

        DecodeResult result = _decoder.Decode("gc/v1/weather/qs-wx-01/telemetry", payload, Now);

        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.InvalidUtf8, rejection.Reason);
        Assert.True(rejection.PayloadIsBase64);
        Assert.Equal(payload, Convert.FromBase64String(rejection.Payload));
    }

    [Fact]
    public void Decode_PayloadOverLimit_RejectsAndKeepsOnlyTheStart()
    {
        var decoder = new WireDecoder(TestRegistry.Instance, new WireDecoderOptions { MaxPayloadBytes = 2048 });
        string payload = """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":21.5},"pad":" """ + new string('x', 5000) + "\"}";

        DecodeResult result = decoder.Decode("gc/v1/weather/qs-wx-01/telemetry", Encoding.UTF8.GetBytes(payload), Now);

        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.PayloadTooLarge, rejection.Reason);
        Assert.Equal(1024, rejection.Payload.Length);
        Assert.Contains("2048", rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TimestampWithinFutureTolerance_IsAccepted()
    {
        DecodeResult result = Decode("gc/v1/weather/qs-wx-01/telemetry", """{"ts":"2023-07-31T03:04:59Z","seq":1,"values":{"air_temp_c":21.5}}""");

        Assert.Single(result.Readings);
    }

    [Theory]
    [InlineData("air_temp_c", -60)]
    [InlineData("air_temp_c", 60)]
    [InlineData("rh_pct", 0)]
    [InlineData("rh_pct", 100)]
    [InlineData("wind_dir_deg", 360)]
    [InlineData("rain_mm", 500)]
    [InlineData("pressure_hpa", 1100)]
    public void Decode_ValueAtRangeBound_IsAccepted(string field, double value)
    {
        DecodeResult result = Decode("gc/v1/weather/qs-wx-01/telemetry", "{\"ts\":\"2023-07-31T02:00:00Z\",\"seq\":1,\"values\":{\"" + field + "\":" + value.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}");

        Assert.Empty(result.Rejections);
        Assert.Equal(value, Assert.IsType<TelemetryReading>(Assert.Single(result.Readings)).Values[field]);
    }

    // Issue 11 finding 12: JsonDocument keeps repeated keys and the last one won ({"water_level_m":1.1,"water_level_m":99} stored 99).
    [Theory]
    [InlineData("water-level/yd-wl-03/telemetry", """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1,"water_level_m":99}}""", "values.water_level_m")]
    [InlineData("water-level/yd-wl-03/telemetry", """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1,"water_level_\u006d":99}}""", "values.water_level_m")]
    [InlineData("water-level/yd-wl-03/telemetry", """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"values":{"water_level_m":99}}""", "'values'")]
    [InlineData("water-level/yd-wl-03/telemetry", """{"ts":"2023-07-31T02:00:00Z","ts":"2023-07-31T02:01:00Z","seq":1,"values":{"water_level_m":1.1}}""", "'ts'")]
    [InlineData("camera-trap/bhs-ct-01/event", """{"ts":"2023-07-31T02:00:00Z","seq":9,"event_id":"e1","detections":[{"species":"Sus scrofa","count":1,"count":7,"confidence":0.9}]}""", "detections[0].count")]
    [InlineData("fire/mfs-fire-02/event", """{"ts":"2023-07-31T02:00:00Z","seq":91,"event_id":"f1","detection":"smoke","detection":"flame","confidence":0.81}""", "'detection'")]
    [InlineData("weather/qs-wx-01/status", """{"ts":"2023-07-31T02:00:00Z","online":true,"online":false}""", "'online'")]
    public void Decode_DuplicateKeyAtAnyLevel_RejectsSampleAsInvalidStructureNamingTheKey(string topic, string sample, string mentioned)
    {
        DecodeResult result = Decode("gc/v1/" + topic, sample);

        Assert.Empty(result.Readings);
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.InvalidStructure, rejection.Reason);
        Assert.Equal(0, rejection.SampleIndex);
        Assert.Contains(mentioned, rejection.Detail, StringComparison.Ordinal);
        Assert.Contains("twice", rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_BacklogWithDuplicateKeyInOneSample_RejectsOnlyThatSample()
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry",
            """{"samples":[{"ts":"2023-07-31T02:15:00Z","seq":1,"values":{"water_level_m":3.42}},{"ts":"2023-07-31T02:20:00Z","seq":2,"values":{"water_level_m":1.1,"water_level_m":99}}]}""");

        Assert.Equal(3.42, Assert.IsType<TelemetryReading>(Assert.Single(result.Readings)).Values["water_level_m"]);
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.InvalidStructure, rejection.Reason);
        Assert.Equal(1, rejection.SampleIndex);
        Assert.Contains("values.water_level_m", rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_BacklogWithSamplesTwice_RejectsWholeMessage()
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry",
            """{"samples":[{"ts":"2023-07-31T02:15:00Z","seq":1,"values":{"water_level_m":3.42}}],"samples":[{"ts":"2023-07-31T02:20:00Z","seq":2,"values":{"water_level_m":99}}]}""");

        Assert.Empty(result.Readings);
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.InvalidStructure, rejection.Reason);
        Assert.Null(rejection.SampleIndex);
        Assert.Contains("'samples' appears twice", rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_EveryReason_HasADistinctKebabCaseCode()
    {
        string[] codes = Enum.GetValues<RejectionReason>().Select(r => r.Code()).ToArray();

        Assert.Equal(codes.Length, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", c));
    }

    // Issue 12 finding 4: the contract allows any text as event_id (up to the documented 128 characters); the old
    // decoder refused anything but [A-Za-z0-9_.:-] and dead-lettered a whole camera's events as invalid-event.
    [Theory]
    [InlineData("e 1")]
    [InlineData("cam 7, burst \"a\"=1")]
    [InlineData("bhs ct 07 / 000553")]
    [InlineData("相机七号-000553")]
    [InlineData("x\\y\\")]
    [InlineData("'; DROP DATABASE gc; --")]
    [InlineData(" leading and trailing ")]
    [InlineData("🐆-1")]
    public void Decode_EventIdOfAnyText_IsStoredExactlyAsSent(string eventId)
    {
        string json = $$"""{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":{{System.Text.Json.JsonSerializer.Serialize(eventId)}},"detections":[{"species":"Sus scrofa","count":1,"confidence":0.9}]}""";

        DecodeResult camera = Decode("gc/v1/camera-trap/bhs-ct-01/event", json, Later);
        DecodeResult fire = Decode("gc/v1/fire/mfs-fire-02/event", $$"""{"ts":"2024-04-03T05:05:40Z","seq":91,"event_id":{{System.Text.Json.JsonSerializer.Serialize(eventId)}},"detection":"smoke","confidence":0.8}""", Later);

        Assert.Empty(camera.Rejections);
        Assert.Equal(eventId, Assert.IsType<CameraTrapEvent>(Assert.Single(camera.Readings)).EventId);
        Assert.Empty(fire.Rejections);
        Assert.Equal(eventId, Assert.IsType<FireEvent>(Assert.Single(fire.Readings)).EventId);
    }

    [Fact]
    public void Decode_EventIdOf128Characters_IsAcceptedAnd129Rejected()
    {
        string Event(int n) => $$"""{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"{{new string('a', n - 1)}} ","detections":[]}""";

        Assert.Empty(Decode("gc/v1/camera-trap/bhs-ct-01/event", Event(128), Later).Rejections);
        Rejection r = Assert.Single(Decode("gc/v1/camera-trap/bhs-ct-01/event", Event(129), Later).Rejections);
        Assert.Equal(RejectionReason.InvalidEvent, r.Reason);
        Assert.Contains("'event_id' must be a text of 1 to 128 characters", r.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"a\\nb\"", "U+000A")]
    [InlineData("\"a\\u0000b\"", "U+0000")]
    [InlineData("\"a\\tb\"", "U+0009")]
    [InlineData("\"a\\u007fb\"", "U+007F")]
    [InlineData("\"a\\u0085b\"", "U+0085")]
    [InlineData("\"a\\ud800b\"", "surrogate")]
    [InlineData("\"\"", "1 to 128")]
    [InlineData("7", "1 to 128")]
    public void Decode_EventIdThatCannotBeStored_IsRejectedNamingTheField(string eventIdJson, string expected)
    {
        string json = "{\"ts\":\"2024-10-02T13:47:13Z\",\"seq\":9,\"event_id\":" + eventIdJson + ",\"detections\":[]}";

        DecodeResult result = Decode("gc/v1/camera-trap/bhs-ct-01/event", json, Later);

        Rejection r = Assert.Single(result.Rejections);
        Assert.Empty(result.Readings);
        Assert.Equal(RejectionReason.InvalidEvent, r.Reason);
        Assert.Contains("'event_id'", r.Detail, StringComparison.Ordinal);
        Assert.Contains(expected, r.Detail, StringComparison.Ordinal);
    }

    // The contract says "a scientific name": the old pattern (Genus species subspecies in lower-case letters only)
    // refused real scientific names. Only a leading capital Latin letter is required now.
    [Theory]
    [InlineData("Martes sp.")]
    [InlineData("Cervidae")]
    [InlineData("Canis lupus × familiaris")]
    [InlineData("Panthera pardus (Linnaeus, 1758)")]
    [InlineData("Prionailurus bengalensis euptilurus")]
    [InlineData("Sus scrofa, juvenile = 1 \"x\"")]
    public void Decode_ScientificNamesTheOldPatternRefused_AreAccepted(string species)
    {
        string json = $$"""{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1","detections":[{"species":{{System.Text.Json.JsonSerializer.Serialize(species)}},"count":1,"confidence":0.9}]}""";

        DecodeResult result = Decode("gc/v1/camera-trap/bhs-ct-01/event", json, Later);

        Assert.Empty(result.Rejections);
        Assert.Equal(species, Assert.Single(Assert.IsType<CameraTrapEvent>(Assert.Single(result.Readings)).Detections).Species);
    }

    [Theory]
    [InlineData("\"leopard\"", "scientific name")]
    [InlineData("\"Sus scrofa\\\\\"", "scientific name")]
    [InlineData("\"Sus\\\\ scrofa\"", "scientific name")]
    [InlineData("\"Sus scrofa\\n\"", "U+000A")]
    [InlineData("\"\"", "1 to 128")]
    public void Decode_SpeciesThatIsNoScientificNameOrCannotBeStored_IsRejected(string speciesJson, string expected)
    {
        string json = "{\"ts\":\"2024-10-02T13:47:13Z\",\"seq\":9,\"event_id\":\"e1\",\"detections\":[{\"species\":" + speciesJson + ",\"count\":1,\"confidence\":0.9}]}";

        Rejection r = Assert.Single(Decode("gc/v1/camera-trap/bhs-ct-01/event", json, Later).Rejections);

        Assert.Equal(RejectionReason.InvalidEvent, r.Reason);
        Assert.Contains("'detections[0].species'", r.Detail, StringComparison.Ordinal);
        Assert.Contains(expected, r.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_ImageUriAndFirmware_AreAnyTextWithoutControlCharacters()
    {
        DecodeResult ok = Decode("gc/v1/camera-trap/bhs-ct-01/event", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1","image_uri":"s3://traps/ct 01/a,b=\"c\".jpg","detections":[]}""", Later);
        DecodeResult badUri = Decode("gc/v1/camera-trap/bhs-ct-01/event", """{"ts":"2024-10-02T13:47:13Z","seq":9,"event_id":"e1","image_uri":"s3://x\ny.jpg","detections":[]}""", Later);
        DecodeResult firmware = Decode("gc/v1/camera-trap/bhs-ct-07/status", """{"ts":"2024-10-02T13:50:00Z","online":true,"firmware":"2.3.1 beta, \"rc\"=2"}""", Later);
        DecodeResult badFirmware = Decode("gc/v1/camera-trap/bhs-ct-07/status", """{"ts":"2024-10-02T13:50:00Z","online":true,"firmware":"2.3.1\r"}""", Later);

        Assert.Equal("s3://traps/ct 01/a,b=\"c\".jpg", Assert.IsType<CameraTrapEvent>(Assert.Single(ok.Readings)).ImageUri);
        Assert.Equal("2.3.1 beta, \"rc\"=2", Assert.IsType<StatusReading>(Assert.Single(firmware.Readings)).Firmware);
        Assert.Equal((RejectionReason.InvalidStructure, true), (Assert.Single(badUri.Rejections).Reason, badUri.Rejections[0].Detail.Contains("'image_uri'", StringComparison.Ordinal)));
        Assert.Equal((RejectionReason.InvalidStructure, true), (Assert.Single(badFirmware.Rejections).Reason, badFirmware.Rejections[0].Detail.Contains("U+000D", StringComparison.Ordinal)));
    }

    // Issue 17: the duplicate-key check compares property names as UTF-8 (after unescaping, as JsonElement looks them
    // up) without making strings. These are the cases such a check could get wrong.
    [Theory]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"\u0076alues":{"water_level_m":99}}""", "field 'values' appears twice")]
    [InlineData("""{"\u0074s":"2023-07-31T02:00:00Z","t\u0073":"2023-07-31T02:01:00Z","seq":1,"values":{"water_level_m":1.1}}""", "field 'ts' appears twice")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"w\u0061ter_level_m":1.1,"water_level_\u006D":99}}""", "field 'values.water_level_m' appears twice")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"x":{"y":{"z":[{"k":1},{"k":1,"k":2}]}}}""", "field 'x.y.z[1].k' appears twice")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"x":[[{"k":1,"k":2}]]}""", "field 'x[0][0].k' appears twice")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"水位":1,"水位":2}""", "field '水位' appears twice")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"水位":1,"\u6c34\u4f4d":2}""", "field '水位' appears twice")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"🐆":1,"\ud83d\udc06":2}""", "field '🐆' appears twice")]
    public void Decode_RepeatedKeySpelledAnyWay_IsRefusedNamingItsPath(string sample, string expected)
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry", sample);

        Assert.Empty(result.Readings);
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.InvalidStructure, rejection.Reason);
        Assert.Equal(expected, rejection.Detail);
    }

    [Fact]
    public void Decode_RepeatedKeyInABacklogItemThatIsAList_IsNamedByItsIndex()
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry", """{"samples":[[{"k":1,"k":2}],{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1}}]}""");

        Assert.Equal(1.1, Assert.IsType<TelemetryReading>(Assert.Single(result.Readings)).Values["water_level_m"]);
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal((RejectionReason.InvalidStructure, 0, "field '[0].k' appears twice"), (rejection.Reason, rejection.SampleIndex, rejection.Detail));
    }

    [Fact]
    public void Decode_EscapedNamesOfKnownKeys_AreReadAsTheKeys()
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry", """{"\u0074s":"2023-07-31T02:00:00Z","se\u0071":7,"\u0076alues":{"w\u0061ter_level_m":1.25,"rain_\u006dm":0.5}}""");

        Assert.Empty(result.Rejections);
        var reading = Assert.IsType<TelemetryReading>(Assert.Single(result.Readings));
        Assert.Equal(7, reading.Seq);
        Assert.Equal([("water_level_m", 1.25), ("rain_mm", 0.5)], reading.Values.Select(v => (v.Key, v.Value)));
    }

    [Theory]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"wäter":1}""", "unknown field 'wäter'")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"\u00e4":1,"a\u0308":2}""", "unknown field 'ä'")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1,"水位_m":2}}""", "unknown field 'values.水位_m' for kind water-level")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m ":2}}""", "unknown field 'values.water_level_m ' for kind water-level")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_mm":2}}""", "unknown field 'values.water_level_mm' for kind water-level")]
    public void Decode_NamesThatOnlyLookLikeKeys_AreUnknownFieldsNotRepeats(string sample, string expected)
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry", sample);

        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.UnknownField, rejection.Reason);
        Assert.StartsWith(expected, rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_VeryLongRepeatedName_IsRefusedWithTheNameClipped()
    {
        string name = new('n', 300);
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry", $$$"""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"x":{"{{{name}}}":1,"{{{name}}}x":2,"{{{name}}}":3}}""");

        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.InvalidStructure, rejection.Reason);
        Assert.Equal($"field 'x.{new string('n', 78)}…' appears twice", rejection.Detail);
    }

    [Fact]
    public void Decode_ThousandsOfKeysWithOneRepeatAtTheEnd_FindsItAndTheNextSampleIsStillRead()
    {
        string keys = string.Join(',', Enumerable.Range(0, 2000).Select(i => $"\"key-{i}-{new string('k', i % 16)}\":{i}"));
        DecodeResult flood = Decode("gc/v1/water-level/yd-wl-03/telemetry", $$$"""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"x":{{{{keys}}},"key-1999-{{{new string('k', 1999 % 16)}}}":0}}""");
        DecodeResult distinct = Decode("gc/v1/water-level/yd-wl-03/telemetry", $$$"""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"x":{{{{keys}}}}}""");
        DecodeResult next = Decode("gc/v1/water-level/yd-wl-03/telemetry", """{"ts":"2023-07-31T02:00:00Z","seq":2,"values":{"water_level_m":1.2,"water_level_m":1.3}}""");

        Assert.Equal($"field 'x.key-1999-{new string('k', 1999 % 16)}' appears twice", Assert.Single(flood.Rejections).Detail);
        Assert.Equal(RejectionReason.UnknownField, Assert.Single(distinct.Rejections).Reason);
        Assert.Equal("field 'values.water_level_m' appears twice", Assert.Single(next.Rejections).Detail);
    }

    [Fact]
    public void Decode_ObjectsOfOneToFortyKeys_FindARepeatOfAnyOfThem()
    {
        // The name set compares the first keys one by one and indexes them by hash past a handful, growing the index as
        // keys come: a repeat must be found whichever key it repeats and at whatever size the object has then.
        for (int keys = 1; keys <= 40; keys++)
        {
            string distinct = string.Join(',', Enumerable.Range(0, keys).Select(i => $"\"k{i}\":{i}"));
            Assert.Equal(RejectionReason.UnknownField, Assert.Single(Decode("gc/v1/water-level/yd-wl-03/telemetry", $$$"""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"x":{{{{distinct}}}}}""").Rejections).Reason);
            for (int repeated = 0; repeated < keys; repeated++)
            {
                DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry", $$$"""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1},"x":{{{{distinct}}},"k{{{repeated}}}":0}}""");

                Assert.Equal($"field 'x.k{repeated}' appears twice", Assert.Single(result.Rejections).Detail);
            }
        }
    }

    // Issue 17: a key with an unpaired surrogate escape made JsonElement throw InvalidOperationException out of Decode
    // (the batch failed and the worker stopped; the broker redelivered the message after every restart).
    [Theory]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"\ud800":1,"values":{"water_level_m":1.1}}""", "field '\\ud800' has a name with an unpaired UTF-16 surrogate escape, which is not text")]
    [InlineData("""{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1,"\udc00x":2}}""", "field 'values.\\udc00x' has a name with an unpaired UTF-16 surrogate escape, which is not text")]
    [InlineData("""{"\udc00\ud800":1,"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1}}""", "field '\\udc00\\ud800' has a name with an unpaired UTF-16 surrogate escape, which is not text")]
    public void Decode_KeyWithAnUnpairedSurrogateEscape_IsRefusedNotThrown(string sample, string expected)
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry", sample);

        Assert.Empty(result.Readings);
        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal((RejectionReason.InvalidStructure, 0, expected), (rejection.Reason, rejection.SampleIndex, rejection.Detail));
    }

    [Fact]
    public void Decode_BacklogWithAKeyThatIsNoText_RejectsTheMessageOrTheSampleNotThrows()
    {
        DecodeResult beside = Decode("gc/v1/water-level/yd-wl-03/telemetry", """{"\udc00":1,"samples":[{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1}}]}""");
        DecodeResult inside = Decode("gc/v1/water-level/yd-wl-03/telemetry", """{"samples":[{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"water_level_m":1.1}},{"ts":"2023-07-31T02:01:00Z","seq":2,"\ud800":0,"values":{"water_level_m":1.2}}]}""");

        Assert.Equal((RejectionReason.InvalidStructure, (int?)null, "a backlog message has only the field 'samples'"), (Assert.Single(beside.Rejections).Reason, beside.Rejections[0].SampleIndex, beside.Rejections[0].Detail));
        Assert.Equal(1.1, Assert.IsType<TelemetryReading>(Assert.Single(inside.Readings)).Values["water_level_m"]);
        Assert.Equal((RejectionReason.InvalidStructure, (int?)1), (Assert.Single(inside.Rejections).Reason, inside.Rejections[0].SampleIndex));
    }

    // Issue 17: the usual timestamp is read from the UTF-8 without the pattern; it must give the instant
    // DateTimeOffset.Parse gives, and every other form must still be read (or refused) as before.
    [Theory]
    [InlineData("2023-07-31T10:15:00+08:00")]
    [InlineData("2023-07-31T02:15:00Z")]
    [InlineData("2023-07-31T02:15:00.5Z")]
    [InlineData("2023-07-31T02:15:00.1234567Z")]
    [InlineData("2023-07-30T02:15:00.0000001-03:30")]
    [InlineData("2023-07-31T00:00:00+14:00")]
    [InlineData("2023-07-30T12:00:00-14:00")]
    [InlineData("2020-02-29T23:59:59.9999999+00:00")]
    [InlineData("2023-07-31T02:15:00-00:00")]
    [InlineData("2023-07-31t02:15:00z")]
    [InlineData("2023-07-31T02:15:00.123456789Z")]
    [InlineData("2023-07-31T02:15:00Z\n")]
    public void Decode_TimestampForms_GiveTheInstantDateTimeOffsetParses(string ts)
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry", $$$"""{"ts":{{{System.Text.Json.JsonSerializer.Serialize(ts)}}},"seq":1,"values":{"water_level_m":1.1}}""");

        Assert.Empty(result.Rejections);
        DateTimeOffset timestamp = Assert.Single(result.Readings).Timestamp;
        Assert.Equal(DateTimeOffset.Parse(ts, System.Globalization.CultureInfo.InvariantCulture).UtcTicks, timestamp.UtcTicks);
        Assert.Equal(TimeSpan.Zero, timestamp.Offset);
    }

    [Theory]
    [InlineData("2023-07-31T24:00:00Z", RejectionReason.InvalidTs, "'ts' is '2023-07-31T24:00:00Z', not a valid date-time")]
    [InlineData("2023-07-31T23:59:60Z", RejectionReason.InvalidTs, "'ts' is '2023-07-31T23:59:60Z', not a valid date-time")]
    [InlineData("2023-02-29T00:00:00Z", RejectionReason.InvalidTs, "'ts' is '2023-02-29T00:00:00Z', not a valid date-time")]
    [InlineData("2023-07-31T02:00:00+14:01", RejectionReason.InvalidTs, "'ts' is '2023-07-31T02:00:00+14:01', not a valid date-time")]
    [InlineData("2023-07-31T02:00:00+0800", RejectionReason.InvalidTs, "'ts' is '2023-07-31T02:00:00+0800', not an RFC 3339 date-time")]
    [InlineData("2023-07-31T02:00:00.Z", RejectionReason.InvalidTs, "'ts' is '2023-07-31T02:00:00.Z', not an RFC 3339 date-time")]
    [InlineData("2023-07-31 02:00:00Z", RejectionReason.InvalidTs, "'ts' is '2023-07-31 02:00:00Z', not an RFC 3339 date-time")]
    [InlineData("２０２３-07-31T02:00:00Z", RejectionReason.InvalidTs, "'ts' is '２０２３-07-31T02:00:00Z', not a valid date-time")]
    [InlineData("2023-07-31T02:00:00.5", RejectionReason.TsWithoutZone, "'ts' is '2023-07-31T02:00:00.5' with no zone; add Z or an offset such as +08:00")]
    [InlineData("0001-01-01T00:00:00+01:00", RejectionReason.InvalidTs, "'ts' is '0001-01-01T00:00:00+01:00', not a valid date-time")]
    [InlineData("1999-12-31T23:59:59.9999999Z", RejectionReason.TsTooOld, "'ts' 1999-12-31T23:59:59.9999999Z is before 2000-01-01: the station's clock is not set")]
    [InlineData("2023-07-31T11:05:01+08:00", RejectionReason.TsInFuture, "'ts' 2023-07-31T11:05:01+08:00 is more than 5 min ahead of the receiver's clock (2023-07-31T03:00:00Z)")]
    public void Decode_TimestampsRefused_KeepTheirReasonAndText(string ts, RejectionReason reason, string detail)
    {
        DecodeResult result = Decode("gc/v1/water-level/yd-wl-03/telemetry", $$$"""{"ts":"{{{ts}}}","seq":1,"values":{"water_level_m":1.1}}""");

        Rejection rejection = Assert.Single(result.Rejections);
        Assert.Equal((reason, detail), (rejection.Reason, rejection.Detail));
    }
}
