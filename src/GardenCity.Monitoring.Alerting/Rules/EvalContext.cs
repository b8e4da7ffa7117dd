using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Rules;

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

    /// <summary>
    /// The worst quality flag a value may have and still count (docs/data-quality.md): <see cref="QualityFlag.Good"/>
    /// by default, <see cref="QualityFlag.Doubtful"/> for a rule with <c>doubtful: count</c>; bad values never count.
    /// </summary>
    public QualityFlag Admit { get; init; } = QualityFlag.Good;

    /// <summary>
    /// Whether an alert of a rule is in force, at least at a severity, for a station of a watershed (for conditions that
    /// look beyond their own station); null where the engine offers none (always false then).
    /// </summary>
    public Func<string, string, Severity, bool>? ActiveInWatershed { get; init; }

    /// <summary>The geological-hazard unit evaluated (geohazard rules only; docs/geohazard.md), else null.</summary>
    public HazardUnit? Unit { get; init; }

    /// <summary>The series of the unit's rain gauges (geohazard rules only), else empty.</summary>
    public IReadOnlyList<StationSeries> Gauges { get; init; } = [];

    /// <summary>Named figures for the message (e.g. <c>rain_effective</c>), from the first condition that reports them.</summary>
    public IReadOnlyDictionary<string, string>? Figures { get; set; }

    /// <summary>Whether a sample counts for this rule (its flag is at most <see cref="Admit"/>).</summary>
    public bool Counts(Sample sample) => sample.Flag <= Admit;

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

    /// <summary>Records a value, threshold and message figures of the first condition that reports one.</summary>
    public void Report(double value, double? threshold, IReadOnlyDictionary<string, string> figures)
    {
        if (Value is null)
        {
            Figures = figures;
        }

        Report(value, threshold);
    }
}
