using GardenCity.Monitoring.Api.Endpoints;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Api.Tests.Queries;

public sealed class ParamsTests
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));
    private static readonly DateTimeOffset Now = new(2024, 10, 5, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("2024-10-01", "from")]                              // no time, no zone
    [InlineData("2024-10-01T00:00:00", "from")]                     // no zone
    [InlineData("1970-01-01T00:00:00Z", "from")]
    [InlineData("2024-10-01T00:00:00Z' OR 1=1 --", "from")]
    [InlineData("now() - 1000d", "from")]
    public void Range_BadFrom_NamesFrom(string from, string parameter) =>
        Assert.Equal(parameter, Assert.Throws<BadParameterException>(() => Params.Range(from, null, Now, TimeSpan.FromDays(366), TimeSpan.FromDays(1))).Parameter);

    [Fact]
    public void Range_TooLongOrBackwards_IsRefused()
    {
        Assert.Equal("to", Assert.Throws<BadParameterException>(() => Params.Range("2020-01-01T00:00:00Z", "2024-01-01T00:00:00Z", Now, TimeSpan.FromDays(366), TimeSpan.FromDays(1))).Parameter);
        Assert.Equal("from", Assert.Throws<BadParameterException>(() => Params.Range("2024-02-01T00:00:00Z", "2024-01-01T00:00:00Z", Now, TimeSpan.FromDays(366), TimeSpan.FromDays(1))).Parameter);
    }

    [Theory]
    [InlineData("water_level_m\" FROM x; DROP DATABASE gardencity; --")]
    [InlineData("rain_mm),(\"x")]
    [InlineData("*")]
    [InlineData("co_ppm")] // a real field, but of fire stations
    public void Field_NotOfTheStation_IsRefused(string field)
    {
        Station gauge = Params.Station(Registry, "qs-wl-01");

        var ex = Assert.Throws<BadParameterException>(() => Params.Field(gauge, field));

        Assert.Equal("field", ex.Parameter);
        Assert.Contains("water_level_m", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Species_NotASpeciesName_IsRefusedAndLongTextShortened()
    {
        var ex = Assert.Throws<BadParameterException>(() => Params.Species(new string('x', 5000)));

        Assert.Equal("species", ex.Parameter);
        Assert.True(ex.Message.Length < 300);
    }

    [Fact]
    public void Species_NeverDetected_IsAName()
    {
        Assert.Equal("Homo erectus", Params.Species("Homo erectus")); // counts and RAI are zero, not an error
    }

    [Theory]
    [InlineData(1, 2000, 60)]         // a day at 2000 points: 1 minute
    [InlineData(7, 2000, 600)]        // a week: 10 minutes (5.04 min rounded up to a step)
    [InlineData(366, 2000, 21600)]    // a year of 5-minute data: 6-hour windows, 1464 points
    public void AutoWindow_FitsTheRangeIntoMaxPoints(int days, int maxPoints, int expectedSeconds)
    {
        TimeSpan window = ApiEndpoints.AutoWindow(TimeSpan.FromDays(days), maxPoints);

        Assert.Equal(expectedSeconds, window.TotalSeconds);
        Assert.True(TimeSpan.FromDays(days) / window <= maxPoints);
    }

    [Theory]
    [InlineData("flood-level.zt-wl-01.20230731T021500Z", "2023-07-31T02:15:00+00:00")]
    [InlineData("rainstorm-cma.bhs-wx-01.20230730T130000Z-late", "2023-07-30T13:00:00+00:00")]
    public void RaisedAt_IsTheTimeTheAlertIdNames(string id, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Params.RaisedAt(id));

    [Theory]
    [InlineData("flood-level.zt-wl-01")]
    [InlineData("flood-level.zt-wl-01.20231399T999999Z")]
    public void RaisedAt_NoTimeInTheId_IsNull(string id) => Assert.Null(Params.RaisedAt(id));
}
