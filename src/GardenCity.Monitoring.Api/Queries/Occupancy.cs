namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// Occupancy data (docs/ecology.md, "Data ready for analysis"): per camera trap and sampling occasion, 1 when the
/// species was detected (a detection that counts), 0 when the camera was working on at least
/// <c>minWorkingDays</c> of the occasion's days without detecting it, NA (null) otherwise — camtrapR's
/// <c>detectionHistory</c> with <c>minActiveDaysPerOccasion</c>. A camera "works" on a local day (UTC+8) when it showed it
/// was working — an online status report or a trigger — as for the RAI's trap-nights. Occasions are consecutive runs of
/// <c>occasionDays</c> local days from the first day of the period; the last one may be shorter. Pure.
/// </summary>
public static class Occupancy
{
    /// <summary>The local days of the period, in order (<paramref name="to"/> exclusive).</summary>
    public static IReadOnlyList<DateOnly> Days(DateTimeOffset from, DateTimeOffset to)
    {
        var first = DateOnly.FromDateTime(from.ToOffset(Params.Local).DateTime);
        var last = DateOnly.FromDateTime(to.AddTicks(-1).ToOffset(Params.Local).DateTime);
        var days = new List<DateOnly>();
        for (DateOnly d = first; d <= last; d = d.AddDays(1))
        {
            days.Add(d);
        }

        return days;
    }

    /// <summary>The local days on which a camera showed it was working, within the period.</summary>
    public static HashSet<DateOnly> WorkingDays(IEnumerable<DateTimeOffset> evidence, DateTimeOffset from, DateTimeOffset to) =>
        [.. evidence.Where(t => t >= from && t < to).Select(t => DateOnly.FromDateTime(t.ToOffset(Params.Local).DateTime))];

    /// <summary>The occasions: consecutive groups of <paramref name="occasionDays"/> local days, the last one possibly shorter.</summary>
    public static IReadOnlyList<DateOnly[]> Occasions(DateTimeOffset from, DateTimeOffset to, int occasionDays) =>
        [.. Days(from, to).Chunk(occasionDays)];

    /// <summary>One camera's detection history: 1, 0 or null (NA) per occasion.</summary>
    public static int?[] History(IReadOnlyList<DateOnly[]> occasions, HashSet<DateOnly> working, IEnumerable<DateTimeOffset> detections, int minWorkingDays = 1)
    {
        ArgumentNullException.ThrowIfNull(occasions);
        var detected = detections.Select(t => DateOnly.FromDateTime(t.ToOffset(Params.Local).DateTime)).ToHashSet();
        return [.. occasions.Select(days => days.Any(detected.Contains) ? 1 : days.Count(working.Contains) >= minWorkingDays ? 0 : (int?)null)];
    }

    /// <summary>Naive occupancy: the share of the cameras working in the period that detected the species; null without any working camera.</summary>
    public static double? Naive(int detecting, int working) => working == 0 ? null : (double)detecting / working;
}
