namespace GardenCity.Monitoring.Alerting.Engine;

/// <summary>Yesterday's moisture codes, carried from day to day at full precision (cffdrs does not round between days).</summary>
/// <param name="Ffmc">Fine Fuel Moisture Code.</param>
/// <param name="Dmc">Duff Moisture Code.</param>
/// <param name="Dc">Drought Code.</param>
public sealed record FwiState(double Ffmc, double Dmc, double Dc)
{
    /// <summary>The cffdrs <c>fwi()</c> start-up values 85 / 6 / 15.</summary>
    public static FwiState StartUp { get; } = new(85, 6, 15);
}

/// <summary>One day's noon observation: temperature °C, relative humidity %, 10 m wind km/h, rain of the 24 h before noon mm.</summary>
public sealed record FwiWeather(double TempC, double RhPct, double WindKmh, double RainMm, int Month, double Latitude);

/// <summary>The day's codes and indices.</summary>
public sealed record FwiResult(double Ffmc, double Dmc, double Dc, double Isi, double Bui, double Fwi, double Dsr)
{
    /// <summary>What tomorrow starts from.</summary>
    public FwiState State => new(Ffmc, Dmc, Dc);
}

/// <summary>
/// The Canadian Forest Fire Weather Index System, daily (Van Wagner &amp; Pickett 1985; Van Wagner 1987), written from
/// the equations as the R package cffdrs implements them (docs/domain-reference: §1.3), with the FFMC coefficient
/// 147.27723 that cffdrs' published test vectors were generated with, and latitude-adjusted day-length factors. Pure.
/// </summary>
public static class FireWeatherIndex
{
    /// <summary>FFMC coefficient of the reference vectors (current cffdrs uses 250·59.5/101; they differ by &lt; 1e-6 relative).</summary>
    public const double FfmcCoefficient = 147.27723;

    private static readonly double[] LeNorth = [6.5, 7.5, 9, 12.8, 13.9, 13.9, 12.4, 10.9, 9.4, 8, 7, 6];
    private static readonly double[] LeTropicNorth = [7.9, 8.4, 8.9, 9.5, 9.9, 10.2, 10.1, 9.7, 9.1, 8.6, 8.1, 7.8];
    private static readonly double[] LeTropicSouth = [10.1, 9.6, 9.1, 8.5, 8.1, 7.8, 7.9, 8.3, 8.9, 9.4, 9.9, 10.2];
    private static readonly double[] LeSouth = [11.5, 10.5, 9.2, 7.9, 6.8, 6.2, 6.5, 7.4, 8.7, 10, 11.2, 11.8];
    private static readonly double[] LfNorth = [-1.6, -1.6, -1.6, 0.9, 3.8, 5.8, 6.4, 5, 2.4, 0.4, -1.6, -1.6];
    private static readonly double[] LfSouth = [6.4, 5, 2.4, 0.4, -1.6, -1.6, -1.6, -1.6, -1.6, 0.9, 3.8, 5.8];

    /// <summary>Computes one day from yesterday's state and today's noon weather.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative rain, wind or humidity, or a month outside 1–12.</exception>
    public static FwiResult Day(FwiState yesterday, FwiWeather weather)
    {
        ArgumentNullException.ThrowIfNull(yesterday);
        ArgumentNullException.ThrowIfNull(weather);
        ArgumentOutOfRangeException.ThrowIfNegative(weather.RainMm);
        ArgumentOutOfRangeException.ThrowIfNegative(weather.WindKmh);
        ArgumentOutOfRangeException.ThrowIfNegative(weather.RhPct);
        ArgumentOutOfRangeException.ThrowIfLessThan(weather.Month, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weather.Month, 12);
        double rh = weather.RhPct >= 100 ? 99.9999 : weather.RhPct;
        double ffmc = Ffmc(yesterday.Ffmc, weather.TempC, rh, weather.WindKmh, weather.RainMm);
        double dmc = Dmc(yesterday.Dmc, weather.TempC, rh, weather.RainMm, weather.Month, weather.Latitude);
        double dc = Dc(yesterday.Dc, weather.TempC, weather.RainMm, weather.Month, weather.Latitude);
        double isi = Isi(ffmc, weather.WindKmh);
        double bui = Bui(dmc, dc);
        double fwi = Fwi(isi, bui);
        return new FwiResult(ffmc, dmc, dc, isi, bui, fwi, 0.0272 * Math.Pow(fwi, 1.77));
    }

    /// <summary>Fine Fuel Moisture Code (Eq. 1–10).</summary>
    public static double Ffmc(double ffmcYesterday, double temp, double rh, double wind, double rain)
    {
        double mo = FfmcCoefficient * (101 - ffmcYesterday) / (59.5 + ffmcYesterday);
        if (rain > 0.5)
        {
            double rf = rain - 0.5;
            double wet = 42.5 * rf * Math.Exp(-100 / (251 - mo)) * (1 - Math.Exp(-6.93 / rf));
            mo = mo > 150 ? mo + wet + (0.0015 * Math.Pow(mo - 150, 2) * Math.Sqrt(rf)) : mo + wet;
        }

        mo = Math.Min(mo, 250);
        double ed = (0.942 * Math.Pow(rh, 0.679)) + (11 * Math.Exp((rh - 100) / 10)) + (0.18 * (21.1 - temp) * (1 - Math.Exp(-0.115 * rh)));
        double ew = (0.618 * Math.Pow(rh, 0.753)) + (10 * Math.Exp((rh - 100) / 10)) + (0.18 * (21.1 - temp) * (1 - Math.Exp(-0.115 * rh)));
        double m;
        if (mo > ed)
        {
            double ko = (0.424 * (1 - Math.Pow(rh / 100, 1.7))) + (0.0694 * Math.Sqrt(wind) * (1 - Math.Pow(rh / 100, 8)));
            double kd = ko * 0.581 * Math.Exp(0.0365 * temp);
            m = ed + ((mo - ed) * Math.Pow(10, -kd));
        }
        else if (mo < ew)
        {
            double k1 = (0.424 * (1 - Math.Pow((100 - rh) / 100, 1.7))) + (0.0694 * Math.Sqrt(wind) * (1 - Math.Pow((100 - rh) / 100, 8)));
            double kw = k1 * 0.581 * Math.Exp(0.0365 * temp);
            m = ew - ((ew - mo) * Math.Pow(10, -kw));
        }
        else
        {
            m = mo;
        }

        return Math.Clamp(59.5 * (250 - m) / (FfmcCoefficient + m), 0, 101);
    }

    /// <summary>Duff Moisture Code (Eq. 11–17), cffdrs form.</summary>
    public static double Dmc(double dmcYesterday, double temp, double rh, double rain, int month, double latitude)
    {
        double te = Math.Max(temp, -1.1);
        double k = 1.894 * (te + 1.1) * (100 - rh) * DayLength(month, latitude) * 1e-4;
        double pr = dmcYesterday;
        if (rain > 1.5)
        {
            double re = (0.92 * rain) - 1.27;
            double mo = 20 + (280 / Math.Exp(0.023 * dmcYesterday));
            double b = dmcYesterday <= 33 ? 100 / (0.5 + (0.3 * dmcYesterday))
                : dmcYesterday <= 65 ? 14 - (1.3 * Math.Log(dmcYesterday))
                : (6.2 * Math.Log(dmcYesterday)) - 17.2;
            double mr = mo + (1000 * re / (48.77 + (b * re)));
            pr = Math.Max(43.43 * (5.6348 - Math.Log(mr - 20)), 0);
        }

        return Math.Max(pr + k, 0);
    }

    /// <summary>Drought Code (Eq. 18–23), cffdrs form (no negative potential evapotranspiration).</summary>
    public static double Dc(double dcYesterday, double temp, double rain, int month, double latitude)
    {
        double tc = Math.Max(temp, -2.8);
        double v = Math.Max((0.36 * (tc + 2.8)) + DayLengthFactor(month, latitude), 0);
        double dr = dcYesterday;
        if (rain > 2.8)
        {
            double rd = (0.83 * rain) - 1.27;
            double qo = 800 * Math.Exp(-dcYesterday / 400);
            dr = Math.Max(dcYesterday - (400 * Math.Log(1 + (3.937 * rd / qo))), 0);
        }

        return Math.Max(dr + (0.5 * v), 0);
    }

    /// <summary>
    /// The season-start Drought Code carried over the off-season (Lawson &amp; Armitage 2008, Eq. 2–4, as cffdrs'
    /// <c>overwinter_drought_code</c>): Q_f = 800·exp(−DC_f/400), Q_s = a·Q_f + b·3.94·P_w, DC_s = 400·ln(800/Q_s),
    /// never below the start-up value 15.
    /// </summary>
    /// <param name="fallDc">DC_f, the last Drought Code of the previous season.</param>
    /// <param name="offSeasonRainMm">P_w, the precipitation of the off-season, mm.</param>
    /// <param name="carryOver">a, the carry-over fraction of last season's moisture deficit (0–1].</param>
    /// <param name="rainEffectiveness">b, the effectiveness of off-season precipitation in recharging the soil (0–1].</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative DC or precipitation, or a fraction outside (0, 1].</exception>
    public static double OverwinterDc(double fallDc, double offSeasonRainMm, double carryOver, double rainEffectiveness)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fallDc);
        ArgumentOutOfRangeException.ThrowIfNegative(offSeasonRainMm);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(carryOver);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(carryOver, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rainEffectiveness);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rainEffectiveness, 1);
        double qf = 800 * Math.Exp(-fallDc / 400); // Eq. 3: final fall moisture equivalent
        double qs = (carryOver * qf) + (rainEffectiveness * 3.94 * offSeasonRainMm); // Eq. 2: starting moisture equivalent
        return Math.Max(400 * Math.Log(800 / qs), FwiState.StartUp.Dc); // Eq. 4, constrained as cffdrs does
    }

    /// <summary>Initial Spread Index (Eq. 24–26), without the FBP-only high-wind branch.</summary>
    public static double Isi(double ffmc, double wind)
    {
        double m = FfmcCoefficient * (101 - ffmc) / (59.5 + ffmc);
        double fw = Math.Exp(0.05039 * wind);
        double ff = 91.9 * Math.Exp(-0.1386 * m) * (1 + (Math.Pow(m, 5.31) / 4.93e7));
        return 0.208 * fw * ff;
    }

    /// <summary>Buildup Index (Eq. 27).</summary>
    public static double Bui(double dmc, double dc)
    {
        if (dmc == 0 && dc == 0)
        {
            return 0;
        }

        double bui = dmc <= 0.4 * dc
            ? 0.8 * dmc * dc / (dmc + (0.4 * dc))
            : dmc - ((1 - (0.8 * dc / (dmc + (0.4 * dc)))) * (0.92 + Math.Pow(0.0114 * dmc, 1.7)));
        return Math.Max(bui, 0);
    }

    /// <summary>Fire Weather Index (Eq. 28–30).</summary>
    public static double Fwi(double isi, double bui)
    {
        double fd = bui <= 80 ? (0.626 * Math.Pow(bui, 0.809)) + 2 : 1000 / (25 + (108.64 * Math.Exp(-0.023 * bui)));
        double b = 0.1 * isi * fd;
        return b > 1 ? Math.Exp(2.72 * Math.Pow(0.434 * Math.Log(b), 0.647)) : b;
    }

    /// <summary>DMC effective day length Le by month and latitude band.</summary>
    public static double DayLength(int month, double latitude) => latitude switch
    {
        > 30 => LeNorth[month - 1],
        > 10 => LeTropicNorth[month - 1],
        > -10 => 9,
        > -30 => LeTropicSouth[month - 1],
        _ => LeSouth[month - 1],
    };

    /// <summary>DC day-length adjustment Lf by month and latitude band.</summary>
    public static double DayLengthFactor(int month, double latitude) => latitude switch
    {
        > 20 => LfNorth[month - 1],
        > -20 => 1.4,
        _ => LfSouth[month - 1],
    };
}
