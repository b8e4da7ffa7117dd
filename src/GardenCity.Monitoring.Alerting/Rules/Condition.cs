using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>What one condition remembers between evaluations for one (rule, station): hysteresis and "holding since".</summary>
public sealed class LeafMemory
{
    /// <summary>Whether the condition held at the last evaluation (hysteresis).</summary>
    public bool On { get; set; }

    /// <summary>Since when the inner condition of a <see cref="SustainedCondition"/> has held.</summary>
    public DateTimeOffset? Since { get; set; }
}

/// <summary>The inputs of one evaluation: a station's series at a time, and the memory of the (rule, station).</summary>
public sealed class EvalContext
{
    /// <summary>The station's data.</summary>
    public required StationSeries Series { get; init; }

    /// <summary>The time evaluated at (the station's latest measurement time).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>"Now" for absence: the wall clock live, the watermark in a replay or backtest.</summary>
    public required DateTimeOffset AbsenceNow { get; init; }

    /// <summary>When a station that never sent anything counts as last heard (the engine's start).</summary>
    public required DateTimeOffset NeverHeardSince { get; init; }

    /// <summary>Memory per condition id; a throwaway dictionary evaluates without changing state.</summary>
    public required Dictionary<int, LeafMemory> Memory { get; init; }

    /// <summary>The first measured value a condition reported (for the message).</summary>
    public double? Value { get; set; }

    /// <summary>The threshold that value was compared with.</summary>
    public double? Threshold { get; set; }

    /// <summary>The station.</summary>
    public Station Station => Series.Station;

    /// <summary>The memory of condition <paramref name="id"/>.</summary>
    public LeafMemory MemoryOf(int id)
    {
        if (!Memory.TryGetValue(id, out LeafMemory? memory))
        {
            Memory[id] = memory = new LeafMemory();
        }

        return memory;
    }

    /// <summary>Records the value and threshold of the first condition that reports one.</summary>
    public void Report(double value, double? threshold)
    {
        if (Value is null)
        {
            Value = value;
            Threshold = threshold;
        }
    }
}

/// <summary>A condition of a rule level. Conditions are immutable; their state lives in <see cref="LeafMemory"/>.</summary>
public abstract class Condition
{
    /// <summary>Unique within the rule; keys its memory.</summary>
    public int Id { get; internal set; }

    /// <summary>Conditions inside this one.</summary>
    public virtual IEnumerable<Condition> Children => [];

    /// <summary>How far back this condition looks.</summary>
    public virtual TimeSpan Lookback => TimeSpan.Zero;

    /// <summary>Whether the condition holds.</summary>
    public abstract bool Evaluate(EvalContext ctx);

    /// <summary>This condition and every one inside it.</summary>
    public IEnumerable<Condition> SelfAndDescendants() => Children.SelectMany(c => c.SelfAndDescendants()).Prepend(this);
}

/// <summary>How a <see cref="ValueCondition"/> reduces a field's samples.</summary>
public enum Aggregate
{
    /// <summary>The latest value.</summary>
    Latest,

    /// <summary>Sum over the window (e.g. rain accumulation).</summary>
    Sum,

    /// <summary>Mean over the window.</summary>
    Mean,

    /// <summary>Maximum over the window.</summary>
    Max,

    /// <summary>Minimum over the window.</summary>
    Min,
}

/// <summary>A threshold: a fixed number, or a per-station registry level plus an offset.</summary>
public sealed record Bound(double? Fixed, string? RegistryField, double Offset)
{
    /// <summary>Registry levels a bound may name.</summary>
    public static IReadOnlyList<string> RegistryFields { get; } = ["warning_level_m", "guaranteed_level_m"];

    /// <summary>The threshold for a station; null when the station has no such level.</summary>
    public double? For(Station station)
    {
        ArgumentNullException.ThrowIfNull(station);
        double? basis = Fixed ?? RegistryField switch
        {
            "warning_level_m" => station.WarningLevelM,
            "guaranteed_level_m" => station.GuaranteedLevelM,
            _ => null,
        };
        return basis + Offset;
    }
}

/// <summary>
/// Threshold with hysteresis on a field's latest value or a rolling aggregate: raises at ≥ x (or ≤ x), and once on,
/// stays on until the value falls below x − deadband (rises above x + deadband).
/// </summary>
public sealed class ValueCondition(string field, Aggregate aggregate, TimeSpan window, Bound bound, bool atLeast, double deadband) : Condition
{
    /// <summary>The field.</summary>
    public string Field { get; } = field;

    /// <summary>The reduction.</summary>
    public Aggregate Aggregate { get; } = aggregate;

    /// <summary>The rolling window (zero for <see cref="Aggregate.Latest"/>).</summary>
    public TimeSpan Window { get; } = window;

    /// <summary>The threshold.</summary>
    public Bound Bound { get; } = bound;

    /// <summary>True for "at least", false for "at most".</summary>
    public bool AtLeast { get; } = atLeast;

    /// <summary>Hysteresis band, in the field's unit.</summary>
    public double Deadband { get; } = deadband;

    /// <inheritdoc/>
    public override TimeSpan Lookback => Window;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        LeafMemory memory = ctx.MemoryOf(Id);
        if (Bound.For(ctx.Station) is not { } threshold || Value(ctx) is not { } value)
        {
            memory.On = false;
            return false;
        }

        double limit = memory.On ? (AtLeast ? threshold - Deadband : threshold + Deadband) : threshold;
        memory.On = AtLeast ? value >= limit : value <= limit;
        ctx.Report(value, threshold);
        return memory.On;
    }

    /// <summary>The field's value for this condition at <see cref="EvalContext.At"/>; null when there is none.</summary>
    public double? Value(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        TimeSeries? series = ctx.Series.Field(Field);
        if (series is null)
        {
            return null;
        }

        if (Aggregate == Aggregate.Latest)
        {
            return series.Latest(ctx.At)?.Value;
        }

        var values = series.Window(ctx.At, Window).Select(s => s.Value).ToList();
        if (values.Count == 0)
        {
            return Aggregate == Aggregate.Sum ? 0 : null;
        }

        return Aggregate switch
        {
            Aggregate.Sum => values.Sum(),
            Aggregate.Mean => values.Average(),
            Aggregate.Max => values.Max(),
            _ => values.Min(),
        };
    }
}

/// <summary>
/// Rate of change over a window, per hour: (last − first) / their time apart, using the samples in the window; needs
/// two samples at least half the window apart.
/// </summary>
public sealed class RateCondition(string field, TimeSpan window, double perHour, bool rising) : Condition
{
    /// <summary>The field.</summary>
    public string Field { get; } = field;

    /// <summary>The window.</summary>
    public TimeSpan Window { get; } = window;

    /// <summary>Threshold in the field's unit per hour (positive).</summary>
    public double PerHour { get; } = perHour;

    /// <summary>True for a rise, false for a fall.</summary>
    public bool Rising { get; } = rising;

    /// <inheritdoc/>
    public override TimeSpan Lookback => Window;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        if (Rate(ctx) is not { } rate)
        {
            return false;
        }

        ctx.Report(rate, PerHour);
        return Rising ? rate >= PerHour : -rate >= PerHour;
    }

    /// <summary>The rate per hour at <see cref="EvalContext.At"/>, or null without enough data.</summary>
    public double? Rate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var samples = ctx.Series.Field(Field)?.Window(ctx.At, Window).ToList();
        if (samples is null || samples.Count < 2)
        {
            return null;
        }

        double hours = (samples[^1].Time - samples[0].Time).TotalHours;
        return hours < Window.TotalHours / 2 ? null : (samples[^1].Value - samples[0].Value) / hours;
    }
}

/// <summary>Holds when its inner condition has held continuously for a duration (judged at each evaluation).</summary>
public sealed class SustainedCondition(Condition inner, TimeSpan duration) : Condition
{
    /// <summary>The inner condition.</summary>
    public Condition Inner { get; } = inner;

    /// <summary>For how long.</summary>
    public TimeSpan Duration { get; } = duration;

    /// <inheritdoc/>
    public override IEnumerable<Condition> Children => [Inner];

    /// <inheritdoc/>
    public override TimeSpan Lookback => Inner.Lookback + Duration;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        LeafMemory memory = ctx.MemoryOf(Id);
        if (!Inner.Evaluate(ctx))
        {
            memory.Since = null;
            return false;
        }

        memory.Since ??= ctx.At;
        return ctx.At - memory.Since.Value >= Duration;
    }
}

/// <summary>Holds when nothing was heard from the station for a duration.</summary>
public sealed class AbsenceCondition(TimeSpan duration) : Condition
{
    /// <summary>Silence that counts as absent.</summary>
    public TimeSpan Duration { get; } = duration;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        DateTimeOffset last = ctx.Series.LastHeard ?? ctx.NeverHeardSince;
        TimeSpan silent = ctx.AbsenceNow - last;
        ctx.Report(Math.Round(silent.TotalMinutes), Duration.TotalMinutes);
        return silent >= Duration;
    }
}

/// <summary>
/// Holds when a matching event happened within a window: camera-trap species (by scientific-name prefix, so
/// <c>Panthera pardus</c> matches the subspecies), confidence, reserve zone and local hours; or fire smoke/flame.
/// </summary>
public sealed class EventCondition(string kind, IReadOnlySet<string> subjects, double minConfidence, IReadOnlySet<string> zones, (int From, int To)? localHours, TimeSpan within) : Condition
{
    /// <summary>Beijing time, UTC+8 all year.</summary>
    public static readonly TimeSpan LocalOffset = TimeSpan.FromHours(8);

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

/// <summary>Holds when at least a number of sequence numbers went missing within a window (messages lost before the broker).</summary>
public sealed class SequenceGapCondition(TimeSpan within, long minMissing) : Condition
{
    /// <summary>The window.</summary>
    public TimeSpan Within { get; } = within;

    /// <summary>Missing numbers that count.</summary>
    public long MinMissing { get; } = minMissing;

    /// <inheritdoc/>
    public override TimeSpan Lookback => Within;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        double missing = ctx.Series.Gaps(ctx.At, Within).Sum(g => g.Value);
        ctx.Report(missing, MinMissing);
        return missing >= MinMissing;
    }
}

/// <summary>All of the inner conditions hold (every one is evaluated, so each keeps its memory current).</summary>
public sealed class AllCondition(IReadOnlyList<Condition> conditions) : Condition
{
    /// <inheritdoc/>
    public override IEnumerable<Condition> Children => conditions;

    /// <inheritdoc/>
    public override TimeSpan Lookback => conditions.Max(c => c.Lookback);

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        bool all = true;
        foreach (Condition c in conditions)
        {
            all &= c.Evaluate(ctx);
        }

        return all;
    }
}

/// <summary>Any of the inner conditions holds (every one is evaluated, so each keeps its memory current).</summary>
public sealed class AnyCondition(IReadOnlyList<Condition> conditions) : Condition
{
    /// <inheritdoc/>
    public override IEnumerable<Condition> Children => conditions;

    /// <inheritdoc/>
    public override TimeSpan Lookback => conditions.Max(c => c.Lookback);

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        bool any = false;
        foreach (Condition c in conditions)
        {
            any |= c.Evaluate(ctx);
        }

        return any;
    }
}
