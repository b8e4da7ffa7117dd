using GardenCity.Monitoring.Core.Time;

namespace GardenCity.Monitoring.DeviceSimulator.Model;

/// <summary>Climatology of the Beijing western hills, enough for plausible signals; times are local (UTC+8).</summary>
public static class Climate
{
    /// <summary>China Standard Time, UTC+8, no daylight saving (<see cref="BeijingTime.Offset"/>).</summary>
    public static readonly TimeSpan Local = BeijingTime.Offset;

    // Monthly mean air temperature near 50 m a.s.l. (Beijing, 1991–2020 normals, rounded).
    private static readonly double[] MonthlyTempC = [-3.1, 0.3, 6.7, 14.8, 20.8, 24.9, 26.7, 25.5, 20.8, 13.7, 5.0, -1.2];

    // Monthly mean relative humidity (%).
    private static readonly double[] MonthlyRhPct = [44, 44, 46, 47, 53, 61, 75, 77, 70, 62, 57, 49];

    /// <summary>Environmental lapse rate, °C per metre (about 0.6 °C per 100 m).</summary>
    public const double LapseRate = 0.006;

    /// <summary>Hour of the day in local time (0 to 24, fractional).</summary>
    public static double LocalHour(DateTimeOffset t) => t.ToOffset(Local).TimeOfDay.TotalHours;

    /// <summary>Mean temperature of the day of year at 50 m, interpolated between monthly normals.</summary>
    public static double SeasonalTempC(DateTimeOffset t) => Interpolate(MonthlyTempC, t);

    /// <summary>Mean relative humidity (%) of the day of year, interpolated between monthly normals.</summary>
    public static double SeasonalRhPct(DateTimeOffset t) => Interpolate(MonthlyRhPct, t);

    /// <summary>Clear-sky sun factor 0..1 (0 at night), peak at local noon.</summary>
    public static double Sun(DateTimeOffset t)
    {
        double h = LocalHour(t);
        return h is > 6 and < 18 ? Math.Sin(Math.PI * (h - 6) / 12) : 0;
    }

    /// <summary>Diurnal temperature shape, +1 at 15:00 local, −1 at 03:00.</summary>
    public static double Diurnal(DateTimeOffset t) => Math.Cos(2 * Math.PI * (LocalHour(t) - 15) / 24);

    /// <summary>Standard-atmosphere pressure at an elevation (hPa).</summary>
    public static double StationPressureHpa(double elevationM) => 1013.25 * Math.Pow(1 - (2.25577e-5 * elevationM), 5.25588);

    private static double Interpolate(double[] monthly, DateTimeOffset t)
    {
        DateTimeOffset local = t.ToOffset(Local);
        double position = local.Month - 1 + ((local.Day - 1) / (double)DateTime.DaysInMonth(local.Year, local.Month)) - 0.5;
        int i = (int)Math.Floor(position);
        double f = position - i;
        double a = monthly[(i + 12) % 12], b = monthly[(i + 13) % 12];
        return a + ((b - a) * f);
    }
}
