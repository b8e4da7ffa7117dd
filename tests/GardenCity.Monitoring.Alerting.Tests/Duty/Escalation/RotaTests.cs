using GardenCity.Monitoring.Alerting.Duty.Escalation;
using GardenCity.Monitoring.Core.Time;

namespace GardenCity.Monitoring.Alerting.Tests.Duty.Escalation;

/// <summary>Who a rota has on duty, in Beijing time: shifts, night shifts across midnight and the week's end, overrides.</summary>
public sealed class RotaTests
{
    private static readonly Rota Town = EscalationFileLoader.Load(EscalationTestData.File, "escalation.yaml", EscalationTestData.Options()).Rotas["town"];

    private static DateTimeOffset Beijing(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, BeijingTime.Offset);

    [Theory]
    [InlineData(12, 7, 9, 0, "town-wang")]    // Monday day shift
    [InlineData(12, 11, 17, 29, "town-wang")] // Friday, a minute before the day shift ends
    [InlineData(12, 11, 17, 30, "town-li")]   // Friday night shift starts
    [InlineData(12, 12, 8, 29, "town-li")]    // Saturday morning: still Friday's night shift
    [InlineData(12, 12, 8, 30, "town-zhao")]  // Saturday day shift
    [InlineData(12, 13, 23, 59, "town-li")]   // Sunday night
    [InlineData(12, 14, 0, 30, "town-li")]    // Monday 00:30 Beijing = Sunday 16:30 UTC: Sunday's night shift, across the week's end
    [InlineData(12, 14, 8, 30, "town-wang")]  // Monday day shift again
    public void OnDutyAt_FollowsTheWeeklyScheduleInBeijingTime(int month, int day, int hour, int minute, string expected)
    {
        Assert.Equal([expected], Town.OnDutyAt(Beijing(month, day, hour, minute)));
    }

    [Fact]
    public void OnDutyAt_UtcDayDiffersFromBeijingDay_UsesBeijing()
    {
        // 2026-12-13 (Sunday) 23:00 UTC is Monday 07:00 in Beijing: Sunday's night shift, not a Sunday-UTC day shift.
        Assert.Equal(["town-li"], Town.OnDutyAt(new DateTimeOffset(2026, 12, 13, 23, 0, 0, TimeSpan.Zero)));
        // 2026-12-14 01:00 UTC is Monday 09:00 in Beijing: the weekday day shift.
        Assert.Equal(["town-wang"], Town.OnDutyAt(new DateTimeOffset(2026, 12, 14, 1, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData(10, 1, 8, 29, "town-li")]    // Thursday night shift, a minute before the holiday override
    [InlineData(10, 1, 8, 30, "town-zhao")]  // the override starts
    [InlineData(10, 5, 3, 0, "town-zhao")]   // a Monday night inside it: the override wins over the night shift
    [InlineData(10, 8, 8, 29, "town-zhao")]
    [InlineData(10, 8, 8, 30, "town-wang")]  // Thursday after it: the weekly schedule again
    public void OnDutyAt_DatedOverride_WinsWhileInForce(int month, int day, int hour, int minute, string expected)
    {
        Assert.Equal([expected], Town.OnDutyAt(Beijing(month, day, hour, minute)));
    }
}
