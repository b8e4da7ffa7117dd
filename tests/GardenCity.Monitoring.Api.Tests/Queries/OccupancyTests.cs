using GardenCity.Monitoring.Api.Queries;

namespace GardenCity.Monitoring.Api.Tests.Queries;

/// <summary>
/// Detection histories and naive occupancy against a data set worked out by hand (docs/ecology.md). Period: 2025-03-01
/// to 03-15 (Beijing), occasions of 7 days: [03-01..03-07], [03-08..03-14].
/// <list type="bullet">
/// <item>A: working every day, the species on 03-03 → 1, 0.</item>
/// <item>B: working 03-01..03-04, then stopped (mid-occasion), never the species → 0, NA.</item>
/// <item>C: working 03-01..03-04, the species on 03-02, then stopped → 1, NA.</item>
/// <item>D: never working → NA, NA.</item>
/// <item>E: working on 03-10 only → NA, 0 (with at least 2 working days per occasion: NA, NA).</item>
/// <item>F: working 03-07 and 03-08; the species at 03-08 00:30 Beijing time (03-07 16:30 UTC) → 0, 1: days are Beijing days.</item>
/// </list>
/// Naive occupancy: working cameras A, B, C, E, F = 5; detecting A, C, F = 3 → 0.6.
/// </summary>
public sealed class OccupancyTests
{
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);
    private static readonly DateTimeOffset From = new(2025, 3, 1, 0, 0, 0, Cst), To = new(2025, 3, 15, 0, 0, 0, Cst);

    private static DateTimeOffset Noon(int day) => new(2025, 3, day, 12, 0, 0, Cst);

    private static IEnumerable<DateTimeOffset> Noons(params int[] days) => days.Select(Noon);

    private static readonly Dictionary<string, (DateTimeOffset[] Working, DateTimeOffset[] Detections)> Cameras = new()
    {
        ["A"] = ([.. Noons([.. Enumerable.Range(1, 14)])], [new(2025, 3, 3, 21, 0, 0, Cst)]),
        ["B"] = ([.. Noons(1, 2, 3, 4)], []),
        ["C"] = ([.. Noons(1, 2, 3, 4)], [new(2025, 3, 2, 4, 0, 0, Cst)]),
        ["D"] = ([], []),
        ["E"] = ([.. Noons(10)], []),
        ["F"] = ([.. Noons(7, 8)], [new DateTimeOffset(2025, 3, 7, 16, 30, 0, TimeSpan.Zero)]),
    };

    [Theory]
    [InlineData("A", "1,0")]
    [InlineData("B", "0,NA")]
    [InlineData("C", "1,NA")]
    [InlineData("D", "NA,NA")]
    [InlineData("E", "NA,0")]
    [InlineData("F", "0,1")]
    public void History_SevenDayOccasions_MatchTheHandComputedMatrix(string camera, string expected)
    {
        var occasions = Occupancy.Occasions(From, To, 7);
        (DateTimeOffset[] working, DateTimeOffset[] detections) = Cameras[camera];

        int?[] history = Occupancy.History(occasions, Occupancy.WorkingDays(working, From, To), detections);

        Assert.Equal(2, occasions.Count);
        Assert.Equal(expected, string.Join(",", history.Select(h => h?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "NA")));
    }

    [Fact]
    public void History_AtLeastTwoWorkingDays_MakesASingleDayNa()
    {
        var occasions = Occupancy.Occasions(From, To, 7);

        Assert.Equal([null, null], Occupancy.History(occasions, Occupancy.WorkingDays(Cameras["E"].Working, From, To), [], minWorkingDays: 2));
        Assert.Equal([0, 1], Occupancy.History(occasions, Occupancy.WorkingDays(Cameras["A"].Working, From, To), [Noon(9)], minWorkingDays: 2));
    }

    [Fact]
    public void Naive_DetectingOverWorkingCameras()
    {
        int working = Cameras.Values.Count(c => Occupancy.WorkingDays(c.Working, From, To).Count > 0);
        int detecting = Cameras.Values.Count(c => c.Detections.Length > 0);

        Assert.Equal((5, 3), (working, detecting));
        Assert.Equal(0.6, Occupancy.Naive(detecting, working));
        Assert.Null(Occupancy.Naive(0, 0));
    }

    [Fact]
    public void Occasions_TheLastMayBeShorter()
    {
        Assert.Equal([7, 7, 1], Occupancy.Occasions(From, To.AddDays(1), 7).Select(o => o.Length));
    }
}
