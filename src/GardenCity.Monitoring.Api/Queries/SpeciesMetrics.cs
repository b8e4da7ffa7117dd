namespace GardenCity.Monitoring.Api.Queries;

/// <summary>A detection of a species at a camera trap.</summary>
public sealed record DetectionRecord(DateTimeOffset Time, string Station, int Count, double Confidence);

/// <summary>
/// Camera-trap metrics (docs/api.md): independent detections (same species, same station, at least the independence
/// interval after the last <em>independent</em> record, camtrapR's "lastIndependentRecord"), trap-nights from the days a
/// camera was seen working, relative abundance index = independent detections per 100 trap-nights (camtraptor's
/// <c>get_rai</c>), diel activity by local hour. Pure.
/// </summary>
public static class SpeciesMetrics
{
    /// <summary>Independent detections per station, in time order.</summary>
    public static IReadOnlyList<DetectionRecord> Independent(IEnumerable<DetectionRecord> records, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(records);
        var result = new List<DetectionRecord>();
        foreach (IGrouping<string, DetectionRecord> station in records.GroupBy(r => r.Station, StringComparer.Ordinal))
        {
            DateTimeOffset? last = null;
            foreach (DetectionRecord r in station.OrderBy(r => r.Time))
            {
                if (last is null || r.Time - last.Value >= interval)
                {
                    result.Add(r);
                    last = r.Time;
                }
            }
        }

        return result.OrderBy(r => r.Time).ThenBy(r => r.Station, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Trap-nights: the local calendar days (UTC+8) on which the camera showed it was working — a status report saying
    /// online, or a trigger — counted once each. Days with no sign of life (a dead battery, a stolen camera) do not count.
    /// </summary>
    public static int TrapNights(IEnumerable<DateTimeOffset> workingEvidence, DateTimeOffset from, DateTimeOffset to) =>
        workingEvidence.Where(t => t >= from && t < to).Select(t => DateOnly.FromDateTime(t.ToOffset(Params.Local).DateTime)).Distinct().Count();

    /// <summary>Relative abundance index: 100 × detections / trap-nights; null without effort.</summary>
    public static double? Rai(int independentDetections, int trapNights) => trapNights == 0 ? null : 100.0 * independentDetections / trapNights;

    /// <summary>Independent detections by local hour of day (Beijing time), 24 counts.</summary>
    public static int[] Activity(IEnumerable<DetectionRecord> independent)
    {
        var hours = new int[24];
        foreach (DetectionRecord r in independent)
        {
            hours[r.Time.ToOffset(Params.Local).Hour]++;
        }

        return hours;
    }

    /// <summary>Counts per local day, ISO week (starting Monday) or month, every period of the range present (zeros too).</summary>
    public static IReadOnlyList<(DateOnly Start, int Count)> Bucket(IEnumerable<DateTimeOffset> times, string interval, DateTimeOffset from, DateTimeOffset to)
    {
        DateOnly Key(DateTimeOffset t)
        {
            var day = DateOnly.FromDateTime(t.ToOffset(Params.Local).DateTime);
            return interval switch
            {
                "week" => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
                "month" => new DateOnly(day.Year, day.Month, 1),
                _ => day,
            };
        }

        var counts = times.GroupBy(Key).ToDictionary(g => g.Key, g => g.Count());
        var result = new List<(DateOnly, int)>();
        for (DateOnly k = Key(from), last = Key(to.AddTicks(-1)); k <= last; k = interval switch { "week" => k.AddDays(7), "month" => k.AddMonths(1), _ => k.AddDays(1) })
        {
            result.Add((k, counts.GetValueOrDefault(k)));
        }

        return result;
    }
}
