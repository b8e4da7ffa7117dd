using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Storage.Tests.Influx;

public sealed class InfluxQlTests
{
    [Theory]
    [InlineData("station", "'station'")]
    [InlineData("o'brien", @"'o\'brien'")]
    [InlineData(@"back\slash", @"'back\\slash'")]
    [InlineData("x' OR 1=1; DROP DATABASE gardencity; --", @"'x\' OR 1=1; DROP DATABASE gardencity; --'")]
    [InlineData("line\nbreak", @"'line\nbreak'")]
    public void StringLiteral_HostileText_StaysOneLiteral(string value, string expected) =>
        Assert.Equal(expected, InfluxQl.StringLiteral(value));

    [Theory]
    [InlineData("water_level", "\"water_level\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    public void Identifier_Quotes(string name, string expected) =>
        Assert.Equal(expected, InfluxQl.Identifier(name));

    [Fact]
    public void TimeLiteral_NonUtcOffset_IsWrittenInUtc() =>
        Assert.Equal("'2023-07-31T02:15:00.0000000Z'", InfluxQl.TimeLiteral(new DateTimeOffset(2023, 7, 31, 10, 15, 0, TimeSpan.FromHours(8))));
}
