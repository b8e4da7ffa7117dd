namespace GardenCity.Monitoring.Core.FireWeather;

/// <summary>How the fire season's days are decided (docs/fire-weather.md).</summary>
public enum FireSeasonMethod
{
    /// <summary>
    /// A fixed period of the calendar, <see cref="FireSeasonOptions.Start"/> to <see cref="FireSeasonOptions.End"/>
    /// (both days included; it may span the new year). The district's fire-prevention period, 1 November – 31 May.
    /// </summary>
    Dates,

    /// <summary>
    /// Wotton &amp; Flannigan (1993), "WF93" as the R package cffdrs' <c>fire_season()</c> implements it: the season
    /// starts on the day after <see cref="FireSeasonOptions.Days"/> consecutive days with a daily maximum temperature
    /// above <see cref="FireSeasonOptions.StartTempC"/>, and ends on the day after as many days below
    /// <see cref="FireSeasonOptions.EndTempC"/>.
    /// </summary>
    Temperature,

    /// <summary>No season: the codes run all year from their first day and never restart (the behaviour before issue 15).</summary>
    AllYear,
}
