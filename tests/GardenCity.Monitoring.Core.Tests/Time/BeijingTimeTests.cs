using GardenCity.Monitoring.Core.Time;

namespace GardenCity.Monitoring.Core.Tests.Time;

public sealed class BeijingTimeTests
{
    [Fact]
    public void Offset_IsEightHoursAllYear()
    {
        Assert.Equal(TimeSpan.FromHours(8), BeijingTime.Offset);
        Assert.Equal("+08:00", BeijingTime.OffsetText);
    }

    [Theory]
    [InlineData("2023-07-31T02:15:00Z", "2023-07-31T10:15:00+08:00")]
    [InlineData("2023-01-15T20:30:00Z", "2023-01-16T04:30:00+08:00")] // winter: still +8, and the local day turns
    [InlineData("2023-07-31T10:15:00+08:00", "2023-07-31T10:15:00+08:00")]
    public void ToBeijingTime_AnyInstant_SameInstantAtPlusEight(string instant, string expected)
    {
        DateTimeOffset time = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

        DateTimeOffset local = time.ToBeijingTime();

        Assert.Equal(time, local); // the same instant
        Assert.Equal(expected, local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture));
    }
}
