using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// A hazard unit's threshold plane for charts (docs/geohazard.md, docs/api.md): the (D, I) plane of an
/// intensity–duration curve or the (R, I) plane of the combined criterion, the event's path in it from the stored
/// hourly figures, each colour's threshold line, and the colour the figures reach (judged as the engine judges).
/// </summary>
internal static class GeohazardPlane
{
    /// <summary>Shortest duration a curve is drawn from, h (10 min; Caine 1980's range starts there).</summary>
    public const double CurveFromH = 1.0 / 6;

    /// <summary>Longest duration a curve is drawn to, h (10 days; the end of Caine 1980's range).</summary>
    public const double CurveToH = 240;

    /// <summary>Points per curve, evenly spaced in log D.</summary>
    public const int CurvePoints = 25;

    /// <summary>How far the lines of the combined criterion run beyond their corner (×), so that they cross any chart drawn.</summary>
    public const double CornerReach = 10;

    /// <summary>The rain a threshold compares: R or P_a + R.</summary>
    public static double Amount(GeohazardThreshold t, GeohazardPoint p) => t.EffectiveRain ? p.EffectiveRainMm : p.EventRainMm;

    /// <summary>
    /// The point in the threshold's plane: (D, rain / D) for a curve, (rain, I_max) for the combined form; null outside
    /// an event (no event, no point on the path).
    /// </summary>
    public static (double X, double Y)? Position(GeohazardThreshold t, GeohazardPoint p)
    {
        if (!p.InEvent || p.DurationH <= 0)
        {
            return null;
        }

        return t.Curve ? (p.DurationH, Amount(t, p) / p.DurationH) : (Amount(t, p), p.MaxHourlyMmH);
    }

    /// <summary>Whether the figures reach a level, as the engine's <c>GeohazardCondition</c> judges.</summary>
    public static bool Reaches(GeohazardThreshold t, GeohazardThresholdLevel level, GeohazardPoint p)
    {
        if (Position(t, p) is not { } at)
        {
            return false;
        }

        return t.Curve
            ? at.Y >= level.Fraction * level.A!.Value * Math.Pow(at.X, level.B!.Value)
            : at.X >= level.Fraction * level.RainMm!.Value && at.Y >= level.Fraction * level.IntensityMmH!.Value;
    }

    /// <summary>The highest colour the figures reach, or <see cref="Severity.None"/>.</summary>
    public static Severity Reached(GeohazardThreshold t, GeohazardPoint p) =>
        t.Levels.Where(l => Reaches(t, l, p)).Select(l => l.Severity).DefaultIfEmpty(Severity.None).Max();

    /// <summary>
    /// A level's line in the plane: the curve f·a·D^b at <see cref="CurvePoints"/> durations from 10 min to 10 days, or
    /// the corner of the combined criterion, (f·R₀, reach·f·I₀) → (f·R₀, f·I₀) → (reach·f·R₀, f·I₀): the region up and
    /// to the right of it is the level.
    /// </summary>
    public static IReadOnlyList<double[]> Line(GeohazardThreshold t, GeohazardThresholdLevel level)
    {
        if (t.Curve)
        {
            double a = level.Fraction * level.A!.Value, b = level.B!.Value;
            double logFrom = Math.Log10(CurveFromH), logTo = Math.Log10(CurveToH);
            return [.. Enumerable.Range(0, CurvePoints).Select(i =>
            {
                double d = Math.Pow(10, logFrom + ((logTo - logFrom) * i / (CurvePoints - 1)));
                return new[] { Round(d, 3), Round(a * Math.Pow(d, b), 3) };
            })];
        }

        double r = level.Fraction * level.RainMm!.Value, intensity = level.Fraction * level.IntensityMmH!.Value;
        return [[Round(r, 3), Round(CornerReach * intensity, 3)], [Round(r, 3), Round(intensity, 3)], [Round(CornerReach * r, 3), Round(intensity, 3)]];
    }

    public static double Round(double value, int decimals) => Math.Round(value, decimals, MidpointRounding.AwayFromZero);
}
