using GardenCity.Monitoring.Api.Clock;
using GardenCity.Monitoring.Core.Time;
using Microsoft.Extensions.Configuration;

namespace GardenCity.Monitoring.Api.Tests.Clock;

/// <summary>Issue 14: the API judges online state by the alerting engine's clock policy, not always by the wall clock.</summary>
public sealed class OnlineClockTests
{
    private static readonly DateTimeOffset Wall = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Storm = new(2023, 7, 31, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Judge_Live_IsTheWallClockWhateverTheData() =>
        Assert.Equal(new ClockReading(Wall, ClockBasis.WallClock, Wall), OnlineClock.Judge(false, Wall, Storm, [Storm]));

    [Fact]
    public void Judge_Replay_IsTheEnginesWatermark() =>
        Assert.Equal(new ClockReading(Storm, ClockBasis.AlertingWatermark, Wall), OnlineClock.Judge(true, Wall, Storm, [Storm.AddHours(5), null]));

    [Fact]
    public void Judge_ReplayWithoutTheAlertingRole_IsTheLatestData() =>
        Assert.Equal(new ClockReading(Storm.AddHours(5), ClockBasis.LatestData, Wall), OnlineClock.Judge(true, Wall, null, [Storm, null, Storm.AddHours(5)]));

    [Fact]
    public void Judge_Replay_IsNeverAfterTheWallClock()
    {
        Assert.Equal(Wall, OnlineClock.Judge(true, Wall, Wall.AddDays(1), []).Now);
        Assert.Equal(Wall, OnlineClock.Judge(true, Wall, null, [Wall.AddDays(1)]).Now);
        Assert.Equal(new ClockReading(Wall, ClockBasis.WallClock, Wall), OnlineClock.Judge(true, Wall, null, [null]));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("WallClock", false)]
    [InlineData("Watermark", true)]
    [InlineData("watermark", true)]
    public void Read_FollowsTheAlertingSetting(string? policy, bool eventTime)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [OnlineClock.PolicyKey] = policy }).Build();
        var clock = new OnlineClock(configuration, new FixedTime(Wall), new Watermark(Storm));

        Assert.Equal(eventTime, clock.EventTime);
        Assert.Equal(eventTime ? Storm : Wall, clock.Read([Storm]).Now);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class Watermark(DateTimeOffset? at) : IAlertingWatermark
    {
        DateTimeOffset? IAlertingWatermark.Watermark => at;
    }
}
