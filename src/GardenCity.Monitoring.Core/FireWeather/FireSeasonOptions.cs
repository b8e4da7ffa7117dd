using System.Globalization;

namespace GardenCity.Monitoring.Core.FireWeather;

/// <summary>
/// The fire season of the Fire Weather Index (<c>GardenCity:FireSeason</c>, docs/fire-weather.md): which days the FWI
/// System is computed, when its codes restart, and where the Drought Code starts. Read by the alerting worker (which
/// computes the days) and by the query API (which shows the season).
/// </summary>
public sealed class FireSeasonOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "GardenCity:FireSeason";

    /// <summary>
    /// How the season is decided. <value>The default value is Dates</value> (Beijing's forest-fire prevention period,
    /// 1 November – 31 May).
    /// </summary>
    public FireSeasonMethod Method { get; set; } = FireSeasonMethod.Dates;

    /// <summary>First day of the season, month-day <c>MM-dd</c> (method Dates). <value>The default value is 11-01.</value></summary>
    public string Start { get; set; } = "11-01";

    /// <summary>Last day of the season, month-day <c>MM-dd</c>, included (method Dates). <value>The default value is 05-31.</value></summary>
    public string End { get; set; } = "05-31";

    /// <summary>
    /// Method Temperature: the season starts after <see cref="Days"/> consecutive days whose maximum temperature is
    /// above this, °C. <value>The default value is 12</value> (cffdrs <c>fs.start</c>).
    /// </summary>
    public double StartTempC { get; set; } = 12;

    /// <summary>
    /// Method Temperature: the season ends after <see cref="Days"/> consecutive days whose maximum temperature is below
    /// this, °C. <value>The default value is 5</value> (cffdrs <c>fs.end</c>).
    /// </summary>
    public double EndTempC { get; set; } = 5;

    /// <summary>Method Temperature: how many consecutive days decide a start or an end. <value>The default value is 3.</value></summary>
    public int Days { get; set; } = 3;

    /// <summary>Where the Drought Code starts at a season start. <value>The default value is StartUp</value> (15).</summary>
    public DroughtCodeStart DroughtCodeStart { get; set; } = DroughtCodeStart.StartUp;

    /// <summary>
    /// Overwintering: carry-over fraction <c>a</c> of last season's moisture deficit, 0–1 (Lawson &amp; Armitage 2008:
    /// 1.0 poorly drained … 0.5 well drained sites). <value>The default value is 0.75</value> (cffdrs).
    /// </summary>
    public double CarryOver { get; set; } = 0.75;

    /// <summary>
    /// Overwintering: effectiveness <c>b</c> of off-season precipitation in recharging the soil, 0–1 (Lawson &amp;
    /// Armitage 2008: 0.9 … 0.5). <value>The default value is 0.75</value> (cffdrs).
    /// </summary>
    public double RainEffectiveness { get; set; } = 0.75;

    /// <summary>Reads a month-day <c>MM-dd</c> (29 February refused: it is not a day of every year); null when it is not one.</summary>
    public static (int Month, int Day)? MonthDay(string? text)
    {
        if (text is null || !DateOnly.TryParseExact("2001-" + text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly d))
        {
            return null;
        }

        return (d.Month, d.Day);
    }

    /// <summary>
    /// Method Dates: the season that contains <paramref name="day"/> (its first and last day; a season that spans the
    /// new year starts in the year before), or null when the day is out of season. Null for the other methods.
    /// </summary>
    public (DateOnly Start, DateOnly End)? SeasonOf(DateOnly day)
    {
        if (Method != FireSeasonMethod.Dates || MonthDay(Start) is not { } s || MonthDay(End) is not { } e)
        {
            return null;
        }

        bool spansNewYear = (e.Month, e.Day).CompareTo((s.Month, s.Day)) < 0;
        foreach (int year in new[] { day.Year, day.Year - 1 })
        {
            var start = new DateOnly(year, s.Month, s.Day);
            var end = new DateOnly(spansNewYear ? year + 1 : year, e.Month, e.Day);
            if (day >= start && day <= end)
            {
                return (start, end);
            }
        }

        return null;
    }

    /// <summary>Method Dates: the seasons that overlap <paramref name="from"/> … <paramref name="to"/>, in order (none for the other methods).</summary>
    public IReadOnlyList<(DateOnly Start, DateOnly End)> SeasonsBetween(DateOnly from, DateOnly to)
    {
        var seasons = new List<(DateOnly Start, DateOnly End)>();
        if (Method != FireSeasonMethod.Dates || MonthDay(Start) is not { } s || MonthDay(End) is not { } e)
        {
            return seasons;
        }

        bool spansNewYear = (e.Month, e.Day).CompareTo((s.Month, s.Day)) < 0;
        for (int year = from.Year - 1; year <= to.Year; year++)
        {
            var start = new DateOnly(year, s.Month, s.Day);
            var end = new DateOnly(spansNewYear ? year + 1 : year, e.Month, e.Day);
            if (end >= from && start <= to)
            {
                seasons.Add((start, end));
            }
        }

        return seasons;
    }
}
