using GardenCity.Monitoring.Api.Queries;

namespace GardenCity.Monitoring.Api.Tests.Queries;

/// <summary>The camera-trap metrics against a small data set worked out by hand.</summary>
public sealed class SpeciesMetricsTests
{
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);

    private static DetectionRecord At(string station, int day, int hour, int minute) => new(new DateTimeOffset(2024, 10, day, hour, minute, 0, Cst), station, 1, 0.9);

    // Station A: 22:00, 22:10, 22:29 (inside 30 min of 22:00), 22:31 (31 min after 22:00: independent), 23:05; next day 03:00.
    // Station B: 22:05 (independent of A: another station).
    private static readonly DetectionRecord[] Records =
    [
        At("a", 1, 22, 0), At("a", 1, 22, 10), At("a", 1, 22, 29), At("a", 1, 22, 31), At("a", 1, 23, 5), At("a", 2, 3, 0), At("b", 1, 22, 5),
    ];

    [Fact]
    public void Independent_ThirtyMinutesFromTheLastIndependentRecord_KeepsFivePlusOne()
    {
        IReadOnlyList<DetectionRecord> independent = SpeciesMetrics.Independent(Records, TimeSpan.FromMinutes(30));

        // a: 22:00 ✓, 22:10 ✗, 22:29 ✗, 22:31 ✓ (31 min after 22:00), 23:05 ✓ (34 min after 22:31), 03:00 ✓; b: 22:05 ✓.
        Assert.Equal(["a 22:00", "b 22:05", "a 22:31", "a 23:05", "a 03:00"], independent.Select(r => $"{r.Station} {r.Time.ToOffset(Cst):HH:mm}"));
    }

    [Fact]
    public void Independent_ZeroInterval_KeepsEveryRecord() =>
        Assert.Equal(Records.Length, SpeciesMetrics.Independent(Records, TimeSpan.Zero).Count);

    [Fact]
    public void TrapNights_CountsLocalDaysWithSignsOfLife()
    {
        // Status at 23:30 on the 1st (15:30 UTC) and 00:30 on the 2nd (16:30 UTC, still the 1st in UTC): two local days.
        DateTimeOffset[] evidence = [new(2024, 10, 1, 15, 30, 0, TimeSpan.Zero), new(2024, 10, 1, 16, 30, 0, TimeSpan.Zero), new(2024, 10, 1, 17, 0, 0, TimeSpan.Zero), new(2024, 10, 4, 2, 0, 0, TimeSpan.Zero)];

        int nights = SpeciesMetrics.TrapNights(evidence, new DateTimeOffset(2024, 10, 1, 0, 0, 0, Cst), new DateTimeOffset(2024, 10, 10, 0, 0, 0, Cst));

        Assert.Equal(3, nights); // 10-01, 10-02, 10-04 (the 3rd had no sign: not counted)
    }

    [Fact]
    public void Rai_PerHundredTrapNights() => Assert.Equal((12.5, (double?)null), (SpeciesMetrics.Rai(5, 40)!.Value, SpeciesMetrics.Rai(3, 0)));

    [Fact]
    public void Activity_ByBeijingHour()
    {
        int[] hours = SpeciesMetrics.Activity(SpeciesMetrics.Independent(Records, TimeSpan.FromMinutes(30)));

        Assert.Equal(5, hours.Sum());
        Assert.Equal((3, 1, 1), (hours[22], hours[23], hours[3]));
    }

    [Theory]
    [InlineData("day", new[] { "2024-10-01:5", "2024-10-02:1", "2024-10-03:0" })]
    [InlineData("week", new[] { "2024-09-30:6" })] // 2024-10-01 is a Tuesday: the ISO week starts Monday 30 September
    [InlineData("month", new[] { "2024-10-01:6" })]
    public void Bucket_EveryPeriodOfTheRange_ZerosIncluded(string interval, string[] expected)
    {
        var buckets = SpeciesMetrics.Bucket(Records.Where(r => r.Station == "a").Select(r => r.Time), interval, new DateTimeOffset(2024, 10, 1, 0, 0, 0, Cst), new DateTimeOffset(2024, 10, 4, 0, 0, 0, Cst));

        Assert.Equal(expected, buckets.Select(b => $"{b.Start:yyyy-MM-dd}:{b.Count}"));
    }
}
