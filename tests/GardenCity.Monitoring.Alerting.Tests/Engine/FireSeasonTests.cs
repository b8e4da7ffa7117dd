using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.FireWeather;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>
/// The FWI through a fire season (docs/fire-weather.md): restarts at a season start by the date and by the WF93
/// temperature method, a season across the new year, and the overwintered Drought Code, each checked by hand.
/// </summary>
public sealed class FireSeasonTests
{
    private const string Wx = "mfs-wx-01"; // a weather station at 40.06°N: standard day-length bands (Le, Lf row 1)
    private const string AnyFwi = "      - severity: blue\n        when: { threshold: { field: fwi, at_least: 0 } }";
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    private long _seq;

    private static AlertEngine Engine(FireSeasonOptions season) =>
        new(TestData.Rules(OneRule("weather", AnyFwi)), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0, null, season);

    /// <summary>One observation at 12:30 Beijing time: the day's noon observation, and its only reading (so its maximum too).</summary>
    private FwiDay? Noon(AlertEngine engine, int year, int month, int day, double temp, double rh = 40, double windMs = 0, double rain = 0) =>
        engine.Process(Telemetry(Wx, new DateTimeOffset(year, month, day, 12, 30, 0, Beijing), ++_seq, ("rain_mm", rain), ("air_temp_c", temp), ("rh_pct", rh), ("wind_speed_ms", windMs)), DateTimeOffset.MaxValue)
            .FireWeather.SingleOrDefault();

    private static FwiDay Day(FwiDay? day)
    {
        Assert.NotNull(day); // the noon observation gave a day
        return day;
    }

    [Fact]
    public void Dates_SeasonStart_RestartsTheCodesOnTheFirstOfNovember_NotTheDayBefore()
    {
        AlertEngine engine = Engine(new FireSeasonOptions()); // Dates, 11-01 … 05-31
        FwiDay may = Day(Noon(engine, 2026, 5, 31, temp: 25, rh: 20));
        FwiDay june = Day(Noon(engine, 2026, 6, 1, temp: 30, rh: 20));
        FwiDay oct31 = Day(Noon(engine, 2026, 10, 31, temp: 20, rh: 40));
        FwiDay nov1 = Day(Noon(engine, 2026, 11, 1, temp: 20, rh: 40));

        Assert.True(may.InSeason);
        Assert.Equal(new DateOnly(2025, 11, 1), may.SeasonStart); // 31 May is the last day of the season begun 1 Nov 2025
        Assert.True(may.Result!.Dc > 20); // dried from 15 (hand: 15 + 0.5·(0.36·27.8 + 3.8) = 21.904)
        Assert.False(june.InSeason);
        Assert.Null(june.Result);
        Assert.False(oct31.InSeason); // the day before the start: still out, not computed
        Assert.Null(oct31.Result);

        Assert.True(nov1.InSeason);
        Assert.Equal(new DateOnly(2026, 11, 1), nov1.SeasonStart);
        Assert.Equal(15, nov1.DcStart);
        FwiResult r = nov1.Result!;
        // By hand, from the start-up values 85/6/15 (not May's 21.9): 20 °C, RH 40 %, no rain, November (Le 7, Lf −1.6):
        //   DMC = 6 + 1.894·(20+1.1)·(100−40)·7·1e-4 = 6 + 1.6784628 = 7.6784628
        //   DC  = 15 + 0.5·max(0.36·(20+2.8) − 1.6, 0) = 15 + 0.5·6.608 = 18.304
        Assert.Equal(7.6784628, r.Dmc, 1e-9);
        Assert.Equal(18.304, r.Dc, 1e-9);
        Assert.Equal(FireWeatherIndex.Day(FwiState.StartUp, nov1.Weather), r);
    }

    [Fact]
    public void Dates_SeasonAcrossTheNewYear_CarriesTheCodesFrom31DecemberTo1January()
    {
        AlertEngine engine = Engine(new FireSeasonOptions());
        FwiDay dec31 = Day(Noon(engine, 2026, 12, 31, temp: 5, rh: 30));
        FwiDay jan1 = Day(Noon(engine, 2027, 1, 1, temp: 6, rh: 30));

        // One season, 1 Nov 2026 – 31 May 2027: 1 January is no season start.
        Assert.Equal(new DateOnly(2026, 11, 1), dec31.SeasonStart);
        Assert.Equal(15, dec31.DcStart); // the station's first day: its codes start here
        Assert.Equal(new DateOnly(2026, 11, 1), jan1.SeasonStart);
        Assert.Null(jan1.DcStart);
        Assert.Equal(FireWeatherIndex.Day(dec31.Result!.State, jan1.Weather), jan1.Result);
        // By hand: DC(1 Jan) = DC(31 Dec) + 0.5·max(0.36·(6+2.8) − 1.6, 0) = DC(31 Dec) + 0.5·1.568 = DC(31 Dec) + 0.784
        Assert.Equal(dec31.Result.Dc + 0.784, jan1.Result!.Dc, 1e-9);
    }

    [Fact]
    public void Dates_SeasonOf_SpansTheNewYearAndLeavesTheSummerOut()
    {
        var o = new FireSeasonOptions();
        Assert.Equal((new DateOnly(2026, 11, 1), new DateOnly(2027, 5, 31)), o.SeasonOf(new DateOnly(2027, 1, 15)));
        Assert.Equal((new DateOnly(2026, 11, 1), new DateOnly(2027, 5, 31)), o.SeasonOf(new DateOnly(2026, 11, 1)));
        Assert.Equal((new DateOnly(2026, 11, 1), new DateOnly(2027, 5, 31)), o.SeasonOf(new DateOnly(2027, 5, 31)));
        Assert.Null(o.SeasonOf(new DateOnly(2027, 6, 1)));
        Assert.Null(o.SeasonOf(new DateOnly(2026, 10, 31)));
        var summer = new FireSeasonOptions { Start = "03-15", End = "10-31" }; // a season within one year
        Assert.Equal((new DateOnly(2026, 3, 15), new DateOnly(2026, 10, 31)), summer.SeasonOf(new DateOnly(2026, 7, 1)));
        Assert.Null(summer.SeasonOf(new DateOnly(2026, 12, 1)));
        Assert.Equal([(new DateOnly(2025, 11, 1), new DateOnly(2026, 5, 31)), (new DateOnly(2026, 11, 1), new DateOnly(2027, 5, 31))],
            o.SeasonsBetween(new DateOnly(2026, 5, 1), new DateOnly(2026, 12, 1)));
    }

    [Fact]
    public void Temperature_StartsOnTheDayAfterThreeDaysAbove12_AndEndsAfterThreeBelow5()
    {
        AlertEngine engine = Engine(new FireSeasonOptions { Method = FireSeasonMethod.Temperature });
        // Maxima (one reading a day): 13, 12 (not above 12: breaks the run), 13, 14, 15 → the run of three ends on 5 April.
        double[] april = [13, 12, 13, 14, 15];
        List<FwiDay> days = april.Select((t, i) => Day(Noon(engine, 2026, 4, 1 + i, temp: t))).ToList();
        Assert.All(days, d => Assert.False(d.InSeason));
        Assert.All(days, d => Assert.Null(d.Result));

        FwiDay start = Day(Noon(engine, 2026, 4, 6, temp: 16, rh: 30));
        Assert.True(start.InSeason);
        Assert.Equal(new DateOnly(2026, 4, 6), start.SeasonStart);
        Assert.Equal(15, start.DcStart);
        // By hand from 85/6/15 (April: Le 12.8, Lf 0.9), 16 °C, RH 30 %, no rain:
        //   DMC = 6 + 1.894·17.1·70·12.8·1e-4 = 6 + 2.90191104 = 8.90191104
        //   DC  = 15 + 0.5·(0.36·18.8 + 0.9) = 15 + 0.5·7.668 = 18.834
        Assert.Equal(8.90191104, start.Result!.Dmc, 1e-9);
        Assert.Equal(18.834, start.Result.Dc, 1e-9);

        // Cold: maxima 4, 3, 4.9 (all below 5) → out of season from the fourth day; 5.0 would not have counted.
        Assert.True(Day(Noon(engine, 2026, 4, 7, temp: 4)).InSeason);
        Assert.True(Day(Noon(engine, 2026, 4, 8, temp: 3)).InSeason);
        Assert.True(Day(Noon(engine, 2026, 4, 9, temp: 4.9)).InSeason);
        FwiDay end = Day(Noon(engine, 2026, 4, 10, temp: 10));
        Assert.False(end.InSeason);
        Assert.Null(end.Result);
    }

    [Fact]
    public void Temperature_ADayWithoutReadings_BreaksTheRun()
    {
        AlertEngine engine = Engine(new FireSeasonOptions { Method = FireSeasonMethod.Temperature });
        Noon(engine, 2026, 4, 1, temp: 20);
        Noon(engine, 2026, 4, 2, temp: 20);
        // 3 April: silent.
        Noon(engine, 2026, 4, 4, temp: 20);
        Assert.False(Day(Noon(engine, 2026, 4, 5, temp: 20)).InSeason); // 1, 2 and 4 April: not three consecutive days
        Assert.False(Day(Noon(engine, 2026, 4, 6, temp: 20)).InSeason); // 2, 4 and 5 April: still not
        Assert.True(Day(Noon(engine, 2026, 4, 7, temp: 20)).InSeason); // 4, 5 and 6 April
    }

    [Fact]
    public void OverwinterDc_ByHand_MatchesLawsonAndArmitage()
    {
        // cffdrs' example: fall DC 300, 110 mm over winter, a = b = 0.75:
        //   Q_f = 800·exp(−300/400) = 377.8932422
        //   Q_s = 0.75·377.8932422 + 0.75·3.94·110 = 283.4199316 + 325.05 = 608.4699316
        //   DC_s = 400·ln(800/608.4699316) = 109.4656921
        Assert.Equal(109.4656921, FireWeatherIndex.OverwinterDc(300, 110, 0.75, 0.75), 1e-6);
        // A wet off-season recharges fully: 450 mm gives 400·ln(800/1612.4) < 0, held at the start-up value 15.
        Assert.Equal(15, FireWeatherIndex.OverwinterDc(300, 450, 0.75, 0.75));
    }

    [Fact]
    public void Overwinter_NextSeasonStartsFromTheFallDcAndTheOffSeasonRain()
    {
        AlertEngine engine = Engine(new FireSeasonOptions { DroughtCodeStart = DroughtCodeStart.Overwinter });
        FwiDay fall = Day(Noon(engine, 2026, 5, 31, temp: 25, rh: 20)); // the season's last day
        Noon(engine, 2026, 6, 1, temp: 28, rain: 20);
        Noon(engine, 2026, 10, 31, temp: 18, rain: 10);
        FwiDay start = Day(Noon(engine, 2026, 11, 1, temp: 20, rh: 40));

        // By hand: DC_f = 15 + 0.5·(0.36·(25+2.8) + 3.8) = 15 + 0.5·13.808 = 21.904 (May, no rain)
        //   P_w = 20 + 10 = 30 mm (the off-season days' 24 h rain)
        //   Q_f = 800·exp(−21.904/400) = 757.3698653
        //   Q_s = 0.75·757.3698653 + 0.75·3.94·30 = 568.0273990 + 88.65 = 656.6773990
        //   DC_s = 400·ln(800/656.6773990) = 78.9675404
        //   DC(1 Nov) = 78.9675404 + 0.5·(0.36·22.8 − 1.6) = 78.9675404 + 3.304 = 82.2715404
        Assert.Equal(21.904, fall.Result!.Dc, 1e-9);
        Assert.Equal(78.9675404, start.DcStart!.Value, 1e-6);
        Assert.Equal(82.2715404, start.Result!.Dc, 1e-6);
        Assert.Equal(7.6784628, start.Result.Dmc, 1e-9); // the DMC restarted from 6: 6 + 1.6784628, as in the start-up case
        Assert.Equal(FireWeatherIndex.Day(new FwiState(85, 6, start.DcStart.Value), start.Weather), start.Result);
    }

    [Fact]
    public void Overwinter_AStationWithoutAPreviousSeason_StartsFrom15()
    {
        AlertEngine engine = Engine(new FireSeasonOptions { DroughtCodeStart = DroughtCodeStart.Overwinter });
        Noon(engine, 2026, 10, 30, temp: 18, rain: 5); // off-season rain, but no fall DC to carry
        FwiDay start = Day(Noon(engine, 2026, 11, 1, temp: 20, rh: 40));
        Assert.Equal(15, start.DcStart);
        Assert.Equal(18.304, start.Result!.Dc, 1e-9);
    }

    [Fact]
    public void OutOfSeason_TheFireDangerRuleNoLongerSeesAnFwi()
    {
        AlertEngine engine = Engine(new FireSeasonOptions());
        Noon(engine, 2026, 5, 31, temp: 25, rh: 20);
        Assert.NotEmpty(engine.Active); // FWI ≥ 0 held in season
        Noon(engine, 2026, 6, 1, temp: 30, rh: 20);
        Assert.Empty(engine.Active); // out of season: no value, the alert resolved
    }

    [Fact]
    public void Restart_TheSeasonStateSurvivesASnapshot()
    {
        var season = new FireSeasonOptions { DroughtCodeStart = DroughtCodeStart.Overwinter };
        AlertEngine before = Engine(season);
        Noon(before, 2026, 5, 31, temp: 25, rh: 20);
        Noon(before, 2026, 6, 1, temp: 28, rain: 20);
        AlertEngine after = Engine(season);
        after.Restore(before.Snapshot());
        Noon(after, 2026, 10, 31, temp: 18, rain: 10);
        FwiDay start = Day(Noon(after, 2026, 11, 1, temp: 20, rh: 40));
        Assert.Equal(78.9675404, start.DcStart!.Value, 1e-6); // the same as without the restart: fall DC and June's rain kept
    }
}
