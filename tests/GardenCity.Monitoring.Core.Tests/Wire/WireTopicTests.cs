using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;

namespace GardenCity.Monitoring.Core.Tests.Wire;

public sealed class WireTopicTests
{
    [Theory]
    [InlineData("gc/v1/weather/qs-wx-01/telemetry", StationKind.Weather, "qs-wx-01", WireStream.Telemetry)]
    [InlineData("gc/v1/water-level/yd-wl-03/status", StationKind.WaterLevel, "yd-wl-03", WireStream.Status)]
    [InlineData("gc/v1/camera-trap/bhs-ct-07/event", StationKind.CameraTrap, "bhs-ct-07", WireStream.Event)]
    [InlineData("gc/v1/fire/mfs-fire-02/event", StationKind.Fire, "mfs-fire-02", WireStream.Event)]
    public void TryParse_StationTopic_ReturnsParts(string topic, StationKind kind, string station, WireStream stream)
    {
        Assert.True(WireTopic.TryParse(topic, out WireTopic parsed, out _));
        Assert.Equal(new WireTopic(kind, station, stream), parsed);
        Assert.Equal(topic, WireTopic.Format(kind, station, stream));
    }

    [Theory]
    [InlineData("")]
    [InlineData("gc/v1/weather/qs-wx-01/telemetry/extra")]
    [InlineData("gc/v1/weather//telemetry")]
    [InlineData("gc/v1/weather/-leading-dash/telemetry")]
    [InlineData("gc/v1/weather/a+b/telemetry")]
    [InlineData("gc/v1/weather/#/telemetry")]
    [InlineData("/gc/v1/weather/qs-wx-01/telemetry")]
    public void TryParse_NotAStationTopic_ReturnsFalseWithReason(string topic)
    {
        Assert.False(WireTopic.TryParse(topic, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void IsValidStationId_65Characters_IsFalse()
    {
        Assert.True(WireTopic.IsValidStationId(new string('a', 64)));
        Assert.False(WireTopic.IsValidStationId(new string('a', 65)));
    }

    [Theory]
    [InlineData("gc/v1/dead-letter/weather/qs-wx-01", true)]
    [InlineData("gc/v1/alerts/emergency/flood-red/yd-wl-03", true)]
    [InlineData("gc/v1/weather/qs-wx-01/telemetry", false)]
    public void IsSystemOutput_Topic_RecognisesOutputs(string topic, bool expected) =>
        Assert.Equal(expected, WireTopic.IsSystemOutput(topic));

    [Fact]
    public void DeadLetter_UnknownParts_UsesPlaceholder() =>
        Assert.Equal("gc/v1/dead-letter/unknown/unknown", WireTopic.DeadLetter(null, "bad/id"));
}
