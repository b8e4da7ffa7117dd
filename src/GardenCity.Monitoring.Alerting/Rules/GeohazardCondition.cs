using System.Globalization;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>
/// A geological-hazard rainfall threshold for a hazard unit (docs/geohazard.md), at a fraction of a published curve:
/// either an intensity–duration curve, holding when the event's intensity (rain / D) is at least f·a·D^b, or the
/// combined (R, I) criterion, holding when the rain is at least f·R₀ and the maximum hourly intensity at least f·I₀.
/// Each gauge of the unit is judged on its own and the highest counts (the gauge furthest over, or nearest to, its
/// threshold is the one reported). A unit's own threshold parameters replace the rule's. No event, no hold.
/// </summary>
public sealed class GeohazardCondition : Condition
{
    /// <summary>The intensity–duration form.</summary>
    /// <param name="a">Curve coefficient, mm/h at D = 1 h.</param>
    /// <param name="b">Curve exponent (negative).</param>
    /// <param name="rain">Which rain: event (default for this form) or effective.</param>
    /// <param name="fraction">The level's fraction of the curve.</param>
    public static GeohazardCondition Curve(double a, double b, GeohazardRain rain, double fraction) => new() { CurveA = a, CurveB = b, Rain = rain, Fraction = fraction };

    /// <summary>The combined (R, I) form.</summary>
    /// <param name="rainMm">R₀, mm.</param>
    /// <param name="intensityMmH">I₀, maximum hourly intensity, mm/h.</param>
    /// <param name="rain">Which rain: effective (default for this form) or event.</param>
    /// <param name="fraction">The level's fraction of the criterion.</param>
    public static GeohazardCondition Combined(double rainMm, double intensityMmH, GeohazardRain rain, double fraction) => new() { RainMm = rainMm, IntensityMmH = intensityMmH, Rain = rain, Fraction = fraction };

    /// <summary>Curve coefficient a (intensity–duration form), else null.</summary>
    public double? CurveA { get; private init; }

    /// <summary>Curve exponent b (intensity–duration form), else null.</summary>
    public double? CurveB { get; private init; }

    /// <summary>R₀ of the combined form, mm, else null.</summary>
    public double? RainMm { get; private init; }

    /// <summary>I₀ of the combined form, mm/h, else null.</summary>
    public double? IntensityMmH { get; private init; }

    /// <summary>Which rain is compared.</summary>
    public GeohazardRain Rain { get; private init; }

    /// <summary>The level's fraction of the threshold (e.g. 0.6 / 0.8 / 1.0 / 1.2 for blue … red).</summary>
    public double Fraction { get; private init; } = 1;

    /// <summary>Whether this is the intensity–duration form.</summary>
    public bool IsCurve => CurveA is not null;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        LeafMemory memory = ctx.MemoryOf(Id);
        memory.On = false;
        if (ctx.Unit is not { } unit)
        {
            return false;
        }

        Judgement? best = null;
        foreach (StationSeries gauge in ctx.Gauges)
        {
            GeohazardRainfall rain = RainfallOf(gauge, unit, ctx);
            Judgement j = Judge(unit, rain, gauge.Station);
            if (best is null || j.Ratio > best.Ratio)
            {
                best = j;
            }
        }

        if (best is null)
        {
            return false;
        }

        ctx.Report(best.Value, best.Threshold, Figures(best));
        memory.On = best.Holds;
        return best.Holds;
    }

    /// <summary>The threshold of this level for <paramref name="unit"/> at a rainfall state, and whether it is reached.</summary>
    public Judgement Judge(HazardUnit unit, GeohazardRainfall rain, Station gauge)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(rain);
        double amount = Rain == GeohazardRain.Effective ? rain.EffectiveRainMm : rain.EventRainMm;
        if (IsCurve)
        {
            double a = unit.CurveA ?? CurveA!.Value, b = unit.CurveB ?? CurveB!.Value;
            if (!rain.InEvent || rain.DurationH <= 0)
            {
                return new Judgement(false, 0, Fraction * a, 0, rain, gauge, amount);
            }

            double intensity = amount / rain.DurationH;
            double threshold = Fraction * a * Math.Pow(rain.DurationH, b);
            return new Judgement(intensity >= threshold, intensity, threshold, intensity / threshold, rain, gauge, amount);
        }

        double r0 = Fraction * (unit.CombinedRainMm ?? RainMm!.Value), i0 = Fraction * (unit.CombinedIntensityMmH ?? IntensityMmH!.Value);
        bool holds = rain.InEvent && amount >= r0 && rain.MaxHourlyMmH >= i0;
        double ratio = rain.InEvent ? Math.Min(amount / r0, rain.MaxHourlyMmH / i0) : 0;
        return new Judgement(holds, amount, r0, ratio, rain, gauge, amount);
    }

    /// <summary>The gauge's rainfall quantities at the evaluation time with the unit's parameters (values that do not count for the rule are left out).</summary>
    public static GeohazardRainfall RainfallOf(StationSeries gauge, HazardUnit unit, EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(gauge);
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(ctx);
        return RainfallOf(gauge, unit, ctx.At, ctx.Admit);
    }

    /// <summary>The gauge's rainfall quantities at <paramref name="at"/>, counting values flagged no worse than <paramref name="admit"/>.</summary>
    public static GeohazardRainfall RainfallOf(StationSeries gauge, HazardUnit unit, DateTimeOffset at, QualityFlag admit)
    {
        ArgumentNullException.ThrowIfNull(gauge);
        ArgumentNullException.ThrowIfNull(unit);
        TimeSeries? series = gauge.Field("rain_mm");
        if (series is null)
        {
            return GeohazardRainfall.None;
        }

        TimeSpan back = TimeSpan.FromDays(unit.AntecedentDays + HistoryDays);
        var samples = series.Window(at, back).Where(s => s.Flag <= admit).Select(s => (s.Time, s.Value)).ToList();
        return GeohazardRainfall.Compute(samples, at, unit.DryGap, unit.AntecedentK, unit.AntecedentDays);
    }

    /// <summary>Days of rain kept beyond the antecedent days, for the event itself (an event longer than this is cut).</summary>
    public const int HistoryDays = 4;

    private static Dictionary<string, string> Figures(Judgement j) => new(StringComparer.Ordinal)
    {
        ["gauge"] = j.Gauge.Id,
        ["gauge_zh"] = j.Gauge.NameZh,
        ["gauge_en"] = j.Gauge.NameEn,
        ["rain_event"] = F(j.Rain.EventRainMm),
        ["rain_antecedent"] = F(j.Rain.AntecedentMm),
        ["rain_effective"] = F(j.Rain.EffectiveRainMm),
        ["duration_h"] = F(j.Rain.DurationH),
        ["intensity"] = F(j.Rain.MeanIntensityMmH),
        ["intensity_max"] = F(j.Rain.MaxHourlyMmH),
    };

    private static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>One gauge judged against one level.</summary>
    /// <param name="Holds">Whether the level is reached.</param>
    /// <param name="Value">The figure compared: mean intensity (curve form) or rain (combined form).</param>
    /// <param name="Threshold">Its threshold at this duration.</param>
    /// <param name="Ratio">How far along the threshold the gauge is (≥ 1 when reached; the highest gauge counts).</param>
    /// <param name="Rain">The gauge's rainfall quantities.</param>
    /// <param name="Gauge">The gauge.</param>
    /// <param name="Amount">The rain compared (R or P_a + R), mm.</param>
    public sealed record Judgement(bool Holds, double Value, double Threshold, double Ratio, GeohazardRainfall Rain, Station Gauge, double Amount);
}
