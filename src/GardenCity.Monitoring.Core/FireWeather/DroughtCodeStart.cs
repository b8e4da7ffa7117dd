namespace GardenCity.Monitoring.Core.FireWeather;

/// <summary>Where the Drought Code starts at a fire-season start (docs/fire-weather.md).</summary>
public enum DroughtCodeStart
{
    /// <summary>The cffdrs start-up value, DC = 15 (the deep organic layer assumed saturated).</summary>
    StartUp,

    /// <summary>
    /// The last DC of the previous season carried over the off-season with the Lawson &amp; Armitage (2008) overwintering
    /// adjustment: Q_f = 800·exp(−DC_f/400), Q_s = a·Q_f + b·3.94·P_w, DC_s = max(400·ln(800/Q_s), 15), with P_w the
    /// rain of the off-season days. A station without a previous season starts from 15.
    /// </summary>
    Overwinter,
}
