using GardenCity.Monitoring.Core.Readings;

namespace GardenCity.Monitoring.Core.Quality;

/// <summary>
/// Runs the <see cref="QualityPolicy"/> over each station's telemetry in the order it arrives (docs/data-quality.md).
/// Stateful per station and field (the previous sample, the current flat run, a jump waiting for its next sample, the
/// recent offsets from the receipt time); the same sequence of readings always gives the same flags, and a redelivered
/// reading gets the flags it got the first time. A reading earlier than its field's latest sample (out of order) gets
/// the soft limits only. Thread-safe.
/// </summary>
public sealed class QualityChecker
{
    private const int RememberedReadings = 32;
    private readonly object _gate = new();
    private readonly Dictionary<string, StationState> _stations = new(StringComparer.Ordinal);
    private QualityPolicy _policy;

    /// <summary>Creates a checker.</summary>
    public QualityChecker(QualityPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = policy;
    }

    /// <summary>The policy in use.</summary>
    public QualityPolicy Policy
    {
        get { lock (_gate) { return _policy; } }
    }

    /// <summary>Runs a new policy from the next reading on; what was learnt of each station stays.</summary>
    public void Replace(QualityPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_gate)
        {
            _policy = policy;
        }
    }

    /// <summary>Checks one reading. Readings other than telemetry are good (their checks are the contract's).</summary>
    /// <param name="reading">The reading, as decoded.</param>
    /// <param name="receivedAt">When it arrived (the receiver's wall clock), for the clock-drift check.</param>
    /// <param name="judgeClock">False in replays and backtests, where the receipt time means nothing.</param>
    public QualityAssessment Assess(Reading reading, DateTimeOffset receivedAt, bool judgeClock = true)
    {
        ArgumentNullException.ThrowIfNull(reading);
        if (reading is not TelemetryReading telemetry)
        {
            return new QualityAssessment(ReadingQuality.Good, [], null);
        }

        lock (_gate)
        {
            if (!_stations.TryGetValue(telemetry.Station.Id, out StationState? state))
            {
                _stations[telemetry.Station.Id] = state = new StationState();
            }

            if (state.Remembered.TryGetValue(telemetry.Timestamp, out ReadingQuality? known))
            {
                // Redelivered (or a batch tried again): the same flags and revisions, nothing learnt twice.
                return new QualityAssessment(known, state.RevisionsBy.GetValueOrDefault(telemetry.Timestamp) ?? [], null);
            }

            return Check(telemetry, state, receivedAt, judgeClock);
        }
    }

    private QualityAssessment Check(TelemetryReading reading, StationState state, DateTimeOffset receivedAt, bool judgeClock)
    {
        QualityChecks wide = QualityChecks.None;
        if (reading.Seq is { } seq)
        {
            if (state.LastSeq is { } last && seq > last + 1 && seq - last < 100_000)
            {
                wide |= QualityChecks.SequenceGap;
            }

            if (state.LastSeq is null || seq > state.LastSeq || seq < state.LastSeq - 100_000)
            {
                state.LastSeq = seq;
            }
        }

        TimeSpan? driftChange = null;
        if (judgeClock && _policy.Clock is { } clock)
        {
            (bool drifting, driftChange) = JudgeClock(state, clock, reading.Timestamp, receivedAt);
            if (drifting)
            {
                wide |= QualityChecks.ClockDrift;
            }
        }

        var fields = new Dictionary<string, QualityChecks>(StringComparer.Ordinal);
        var revisions = new List<QualityRevision>();
        foreach ((string field, double value) in reading.Values)
        {
            FieldQualityRules rules = _policy.For(reading.Station, field);
            if (!state.Fields.TryGetValue(field, out FieldState? fs))
            {
                state.Fields[field] = fs = new FieldState();
            }

            QualityChecks checks = wide | CheckField(rules, fs, reading.Timestamp, value, out DateTimeOffset? spikeAt);
            fields[field] = checks;
            if (spikeAt is { } at && state.Remembered.TryGetValue(at, out ReadingQuality? earlier))
            {
                var revised = earlier.Fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
                revised[field] = (revised.GetValueOrDefault(field) & ~QualityChecks.RateOfChange) | QualityChecks.Spike;
                var quality = new ReadingQuality(revised);
                state.Remember(at, quality);
                revisions.Add(new QualityRevision(reading.Station, at, quality));
            }
        }

        var result = new ReadingQuality(fields);
        state.Remember(reading.Timestamp, result);
        if (revisions.Count > 0)
        {
            state.RevisionsBy[reading.Timestamp] = revisions;
        }

        return new QualityAssessment(result, revisions, driftChange);
    }

    private static QualityChecks CheckField(FieldQualityRules rules, FieldState fs, DateTimeOffset time, double value, out DateTimeOffset? spikeAt)
    {
        spikeAt = null;
        QualityChecks checks = QualityChecks.None;
        if (rules.Soft is { } soft && ((soft.Min is { } min && value < min) || (soft.Max is { } max && value > max)))
        {
            checks |= QualityChecks.SoftLimit;
        }

        if (fs.LastTime is { } lastTime && time <= lastTime)
        {
            return checks; // out of order: the sequence checks need the samples in measurement order
        }

        // The sample before this one, for the rate check: a confirmed spike is skipped (compare with what was before it).
        DateTimeOffset? prevTime = fs.LastTime;
        double prevValue = fs.LastValue;
        if (fs.Jump is { } jump)
        {
            fs.Jump = null;
            if (rules.Spike is { } spike && time - jump.Time <= spike.ReturnWithin && Math.Abs(value - jump.Before) <= spike.Tolerance)
            {
                spikeAt = jump.Time;
                prevTime = jump.BeforeTime;
                prevValue = jump.Before;
                fs.RunStart = fs.RunBeforeJump;
            }
        }

        if (rules.Rate is { } rate && prevTime is { } pt && time - pt <= rate.Within && Math.Abs(value - prevValue) > rate.MaxChange)
        {
            checks |= QualityChecks.RateOfChange;
            if (rules.Spike is not null)
            {
                fs.Jump = new PendingJump(time, pt, prevValue);
                fs.RunBeforeJump = fs.RunStart;
            }
        }

        if (rules.Stuck is { } stuck)
        {
            if (fs.RunStart is { } run && Math.Abs(value - run.Value) <= stuck.Tolerance)
            {
                fs.RunStart = run with { Count = run.Count + 1 };
            }
            else
            {
                fs.RunStart = new FlatRun(time, value, 1);
            }

            if (fs.RunStart is { } now && now.Count >= stuck.Samples && time - now.Since >= stuck.For)
            {
                checks |= QualityChecks.Stuck;
            }
        }

        fs.LastTime = time;
        fs.LastValue = value;
        return checks;
    }

    private static (bool Drifting, TimeSpan? Change) JudgeClock(StationState state, ClockDriftRule clock, DateTimeOffset measured, DateTimeOffset received)
    {
        state.Offsets.Enqueue((received, measured));
        while (state.Offsets.Count > clock.Samples)
        {
            state.Offsets.Dequeue();
        }

        bool drifting = false;
        TimeSpan offset = TimeSpan.Zero;
        if (state.Offsets.Count >= clock.Samples)
        {
            (DateTimeOffset Received, DateTimeOffset Measured)[] window = [.. state.Offsets];
            bool ahead = window.All(o => o.Measured - o.Received > clock.Tolerance);
            bool behind = window.All(o => o.Received - o.Measured > clock.Tolerance);
            TimeSpan receivedSpan = window[^1].Received - window[0].Received;
            TimeSpan measuredSpan = window[^1].Measured - window[0].Measured;

            // A backlog is measured over hours and delivered in seconds: only readings that arrive at the pace they
            // were measured (within a factor of two) tell a clock that is off.
            bool livePace = receivedSpan > TimeSpan.Zero && measuredSpan > TimeSpan.Zero
                && measuredSpan.Ticks <= 2 * receivedSpan.Ticks && receivedSpan.Ticks <= 2 * measuredSpan.Ticks;
            drifting = ahead || (behind && livePace);
            offset = TimeSpan.FromTicks((long)window.Average(o => (o.Measured - o.Received).Ticks));
        }

        TimeSpan? change = null;
        if (drifting != state.Drifting)
        {
            change = drifting ? offset : TimeSpan.Zero;
            state.Drifting = drifting;
        }

        return (drifting, change);
    }

    private sealed record FlatRun(DateTimeOffset Since, double Value, int Count);

    private sealed record PendingJump(DateTimeOffset Time, DateTimeOffset BeforeTime, double Before);

    private sealed class FieldState
    {
        public DateTimeOffset? LastTime { get; set; }

        public double LastValue { get; set; }

        public FlatRun? RunStart { get; set; }

        public FlatRun? RunBeforeJump { get; set; }

        public PendingJump? Jump { get; set; }
    }

    private sealed class StationState
    {
        private readonly Queue<DateTimeOffset> _order = new();

        public long? LastSeq { get; set; }

        public bool Drifting { get; set; }

        public Queue<(DateTimeOffset Received, DateTimeOffset Measured)> Offsets { get; } = new();

        public Dictionary<string, FieldState> Fields { get; } = new(StringComparer.Ordinal);

        public Dictionary<DateTimeOffset, ReadingQuality> Remembered { get; } = [];

        public Dictionary<DateTimeOffset, List<QualityRevision>> RevisionsBy { get; } = [];

        public void Remember(DateTimeOffset at, ReadingQuality quality)
        {
            if (!Remembered.ContainsKey(at))
            {
                _order.Enqueue(at);
                while (_order.Count > RememberedReadings)
                {
                    DateTimeOffset oldest = _order.Dequeue();
                    Remembered.Remove(oldest);
                    RevisionsBy.Remove(oldest);
                }
            }

            Remembered[at] = quality;
        }
    }
}
