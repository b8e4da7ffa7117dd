using GardenCity.Monitoring.Alerting.Engine;

namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>
/// Holds when a matching event happened within a window: camera-trap species (by scientific-name prefix, so
/// <c>Panthera pardus</c> matches the subspecies), confidence, reserve zone and local hours; or fire smoke/flame.
/// </summary>
public sealed class EventCondition(string kind, IReadOnlySet<string> subjects, double minConfidence, IReadOnlySet<string> zones, (int From, int To)? localHours, TimeSpan within) : Condition
{
    /// <summary>Beijing time, UTC+8 all year.</summary>
    public static readonly TimeSpan LocalOffset = Core.Time.BeijingTime.Offset;

    /// <summary><c>detection</c> or <c>fire</c>.</summary>
    public string Kind { get; } = kind;

    /// <summary>Species (prefixes) or <c>smoke</c>/<c>flame</c>; empty matches all.</summary>
    public IReadOnlySet<string> Subjects { get; } = subjects;

    /// <summary>Minimum confidence.</summary>
    public double MinConfidence { get; } = minConfidence;

    /// <summary>Reserve zones of the station; empty matches all.</summary>
    public IReadOnlySet<string> Zones { get; } = zones;

    /// <summary>Local hours [From, To), wrapping midnight when From &gt; To; null for any time.</summary>
    public (int From, int To)? LocalHours { get; } = localHours;

    /// <summary>How long a match keeps the condition holding.</summary>
    public TimeSpan Within { get; } = within;

    /// <inheritdoc/>
    public override TimeSpan Lookback => Within;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        if (Zones.Count > 0 && (ctx.Station.Zone is not { } zone || !Zones.Contains(zone)))
        {
            return false;
        }

        StationEvent? best = ctx.Series.Events(ctx.At, Within).Where(Matches).MaxBy(e => e.Confidence);
        if (best is null)
        {
            return false;
        }

        ctx.Report(best.Confidence, MinConfidence);
        return true;
    }

    /// <summary>Whether one event matches (zone aside).</summary>
    public bool Matches(StationEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Kind != Kind || e.Confidence < MinConfidence)
        {
            return false;
        }

        if (Subjects.Count > 0 && !Subjects.Any(s => e.Subject == s || e.Subject.StartsWith(s + " ", StringComparison.Ordinal)))
        {
            return false;
        }

        if (LocalHours is (int from, int to))
        {
            int hour = e.Time.ToOffset(LocalOffset).Hour;
            return from <= to ? hour >= from && hour < to : hour >= from || hour < to;
        }

        return true;
    }
}
