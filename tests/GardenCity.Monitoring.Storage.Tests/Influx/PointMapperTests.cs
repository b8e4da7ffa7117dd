using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Storage.Tests.Influx;

public sealed class PointMapperTests
{
    private static readonly DateTimeOffset Ts = new(2023, 7, 31, 2, 15, 0, TimeSpan.Zero);
    private const long TsNs = 1690769700_000_000_000;

    private static string[] Lines(Reading reading) => PointMapper.ToLineProtocol([reading]).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Write_GaugeTelemetry_OnePointWithTagsFieldsAndNanosecondTimestamp()
    {
        Station gauge = TestStations.Create("yd-wl-03", StationKind.WaterLevel, TestStations.Yongding, watershed: "yongding");

        string line = Assert.Single(Lines(new TelemetryReading(gauge, Ts, 18342, new Dictionary<string, double> { ["water_level_m"] = 3.42, ["rain_mm"] = 12.5 })));

        Assert.Equal($"water_level,kind=water-level,site=yongding-gorge,station=yd-wl-03,watershed=yongding rain_mm=12.5,seq=18342i,water_level_m=3.42 {TsNs}", line);
    }

    [Fact]
    public void Write_CameraEventWithTwoSpecies_TriggerPointPlusOnePointPerSpecies()
    {
        Station trap = TestStations.Create("bhs-ct-07", StationKind.CameraTrap, TestStations.Baihua, zone: "core");
        var e = new CameraTrapEvent(trap, Ts, 553, "bhs-ct-07-000553", "s3://x/553.jpg",
            [new Detection("Sus scrofa", 2, 0.7), new Detection("Capreolus pygargus", 1, 0.9), new Detection("Sus scrofa", 1, 0.8)]);

        string[] lines = Lines(e);

        Assert.Equal(3, lines.Length);
        Assert.Equal($"camera_trap_trigger,kind=camera-trap,site=baihua-mountain,station=bhs-ct-07,zone=core detections=3i,event_id=\"bhs-ct-07-000553\",image_uri=\"s3://x/553.jpg\",seq=553i {TsNs}", lines[0]);
        Assert.Contains($"camera_trap,kind=camera-trap,site=baihua-mountain,species=Sus\\ scrofa,station=bhs-ct-07,zone=core confidence=0.8,count=3i,event_id=\"bhs-ct-07-000553\",seq=553i {TsNs}", lines);
        Assert.Contains($"camera_trap,kind=camera-trap,site=baihua-mountain,species=Capreolus\\ pygargus,station=bhs-ct-07,zone=core confidence=0.9,count=1i,event_id=\"bhs-ct-07-000553\",seq=553i {TsNs}", lines);
    }

    [Fact]
    public void Write_FireEventAndStatus_UseTheirMeasurements()
    {
        Station fire = TestStations.Create("mfs-fire-02", StationKind.Fire, TestStations.Baihua);

        string flame = Assert.Single(Lines(new FireEvent(fire, Ts, 91, "f-91", FireDetectionType.Flame, 0.81, 212)));
        string status = Assert.Single(Lines(new StatusReading(fire, Ts, null, false, 11.9, -101, "2.3.1")));

        Assert.Equal($"fire_event,detection=flame,kind=fire,site=baihua-mountain,station=mfs-fire-02 bearing_deg=212,confidence=0.81,event_id=\"f-91\",seq=91i {TsNs}", flame);
        Assert.Equal($"station_status,kind=fire,site=baihua-mountain,station=mfs-fire-02 battery_v=11.9,firmware=\"2.3.1\",online=false,rssi_dbm=-101 {TsNs}", status);
    }

    [Fact]
    public void Write_EscapesTagsAndStrings_AsTheLineProtocolReferenceSays()
    {
        // Expected lines written by hand from the line protocol reference: in tag values a comma, an equals sign and a
        // space are escaped with a backslash; in string field values a double quote and a backslash are; UTF-8 as is.
        Station trap = TestStations.Create("bhs-ct-07", StationKind.CameraTrap, TestStations.Baihua, zone: "core, a=b");
        var e = new CameraTrapEvent(trap, Ts, null, "ev \"7\" \\ 豹", "s3://x/豹 1.jpg", [new Detection("Panthera pardus 华北豹", 1, 0.5)]);

        string[] lines = Lines(e);

        Assert.Equal(2, lines.Length);
        Assert.Equal($"camera_trap_trigger,kind=camera-trap,site=baihua-mountain,station=bhs-ct-07,zone=core\\,\\ a\\=b detections=1i,event_id=\"ev \\\"7\\\" \\\\ 豹\",image_uri=\"s3://x/豹 1.jpg\" {TsNs}", lines[0]);
        Assert.Equal($"camera_trap,kind=camera-trap,site=baihua-mountain,species=Panthera\\ pardus\\ 华北豹,station=bhs-ct-07,zone=core\\,\\ a\\=b confidence=0.5,count=1i,event_id=\"ev \\\"7\\\" \\\\ 豹\" {TsNs}", lines[1]);
    }

    [Fact]
    public void Write_FloatsReadBackAsTheSameDouble_AndNonFiniteOrNoFieldsAreLeftOut()
    {
        Station gauge = TestStations.Create("yd-wl-03", StationKind.WaterLevel, TestStations.Yongding);
        double[] values = [0.1, 3.42, 1e-7, 123456789.123, -0.0, double.Epsilon, double.MaxValue];
        foreach (double value in values)
        {
            string line = Assert.Single(Lines(new TelemetryReading(gauge, Ts, null, new Dictionary<string, double> { ["water_level_m"] = value })));
            string text = line.Split(' ')[1]["water_level_m=".Length..];
            Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture)));
        }

        // InfluxDB has no NaN: the field is left out; a point left without any field is not written at all.
        Assert.Equal($"water_level,kind=water-level,site=yongding-gorge,station=yd-wl-03 rain_mm=1 {TsNs}",
            Assert.Single(Lines(new TelemetryReading(gauge, Ts, null, new Dictionary<string, double> { ["water_level_m"] = double.NaN, ["rain_mm"] = 1 }))));
        Assert.Empty(Lines(new TelemetryReading(gauge, Ts, null, new Dictionary<string, double> { ["water_level_m"] = double.PositiveInfinity })));
    }

    [Fact]
    public void Write_ManyReadingsIntoOneReusedBuffer_GivesTheSameLinesAsOneAtATime()
    {
        Station gauge = TestStations.Create("yd-wl-03", StationKind.WaterLevel, TestStations.Yongding, watershed: "yongding");
        Reading[] readings = [.. Enumerable.Range(0, 2000).Select(i => (Reading)new TelemetryReading(gauge, Ts.AddSeconds(i), i, new Dictionary<string, double> { ["water_level_m"] = i / 7.0 }))];
        var buffer = new LineProtocolBuffer(256);
        buffer.Point("junk").Field("x", 1L).End(Ts);
        buffer.Clear();

        PointMapper.Write(buffer, readings);

        Assert.Equal(string.Concat(readings.Select(r => PointMapper.ToLineProtocol([r]))), buffer.ToString());
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(buffer.ToString()), buffer.Length);
    }

    [Fact]
    public void TelemetryMeasurement_CameraTrap_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PointMapper.TelemetryMeasurement(StationKind.CameraTrap));
}
