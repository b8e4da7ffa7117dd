using GardenCity.Monitoring.Storage.Spool;

namespace GardenCity.Monitoring.Storage.Tests.Spool;

public sealed class SpoolLineTests
{
    [Fact]
    public void Split_LinesWithEscapedTags_GivesEachLineItsStationAndKind()
    {
        IReadOnlyList<SpoolLine> lines = SpoolLine.Split(
            "water_level,station=yd-wl-01,site=yd,kind=water_level water_level_m=1.5 1\n"
            + "weather,site=a\\,b,station=st\\ 1,kind=weather,zone=z text=\"kind=fire,station=x\" 2\n"
            + "\n"
            + "fire value=1 3\n");

        Assert.Equal(
            [new SpoolLine("yd-wl-01", "water_level", "water_level,station=yd-wl-01,site=yd,kind=water_level water_level_m=1.5 1"),
             new SpoolLine("st 1", "weather", "weather,site=a\\,b,station=st\\ 1,kind=weather,zone=z text=\"kind=fire,station=x\" 2"),
             new SpoolLine(SpoolLine.Unknown, SpoolLine.Unknown, "fire value=1 3")],
            lines);
    }
}
