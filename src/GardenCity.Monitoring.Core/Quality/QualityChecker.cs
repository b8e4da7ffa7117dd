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

        // Most readings pass every check: nothing is allocated for them (no dictionary, no list, the shared Good).
        Dictionary<string, QualityChecks>? fields = null;
        List<QualityRevision>? revisions = null;
        foreach ((string field, double value) in reading.Values)
        {
            FieldQualityRules rules = _policy.For(reading.Station, field);
            if (!state.Fields.TryGetValue(field, out FieldState? fs))
            {
                state.Fields[field] = fs = new FieldState();
            }

            QualityChecks checks = wide | CheckField(rules, fs, reading.Timestamp, value, out DateTimeOffset? spikeAt);
            if (checks != QualityChecks.None)
            {
                (fields ??= new Dictionary<string, QualityChecks>(StringComparer.Ordinal))[field] = checks;
            }

            if (spikeAt is { } at && state.Remembered.TryGetValue(at, out ReadingQuality? earlier))
            {
                var revised = new Dictionary<string, QualityChecks>(earlier.Fields, StringComparer.Ordinal);
                revised[field] = (revised.GetValueOrDefault(field) & ~QualityChecks.RateOfChange) | QualityChecks.Spike;
                ReadingQuality quality = ReadingQuality.Found(revised);
                state.Remember(at, quality);
                (revisions ??= []).Add(new QualityRevision(reading.Station, at, quality));
            }
        }

        ReadingQuality result = ReadingQuality.Found(fields);
        state.Remember(reading.Timestamp, result);
        if (revisions is not null)
        {
            state.RevisionsBy[reading.Timestamp] = revisions;
        }

        return new QualityAssessment(result, revisions ?? (IReadOnlyList<QualityRevision>)[], driftChange);
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
        ClockWindow window = state.Clock;
        window.Add(received, measured, clock);
        bool drifting = false;
        TimeSpan offset = TimeSpan.Zero;
        if (window.Count >= clock.Samples)
        {
            bool ahead = window.Ahead == window.Count;
            bool behind = window.Behind == window.Count;
            (DateTimeOffset Received, DateTimeOffset Measured) first = window.First;
            TimeSpan receivedSpan = received - first.Received;
            TimeSpan measuredSpan = measured - first.Measured;

            // A backlog is measured over hours and delivered in seconds: only readings that arrive at the pace they
            // were measured (within a factor of two) tell a clock that is off. Once a clock is found behind, the pace
            // only starts it: a burst from that station (a weak link delivering in clumps) does not end it, only readings
            // within the tolerance do; without this a clock behind on a bursty link flapped, and was logged, at every burst.
            bool livePace = receivedSpan > TimeSpan.Zero && measuredSpan > TimeSpan.Zero
                && measuredSpan.Ticks <= 2 * receivedSpan.Ticks && receivedSpan.Ticks <= 2 * measuredSpan.Ticks;
            drifting = ahead || (behind && (livePace || state.Drifting));
            offset = TimeSpan.FromTicks((long)((double)window.OffsetTicks / window.Count)); // as Enumerable.Average: a long sum, divided as double
        }

        TimeSpan? change = null;
        if (drifting != state.Drifting)
        {
            change = drifting ? offset : TimeSpan.Zero;
            state.Drifting = drifting;
        }

        return (drifting, change);
    }

    // Value types: a flat run is renewed with every sample (Count + 1), which must not cost an allocation per reading.
    private readonly record struct FlatRun(DateTimeOffset Since, double Value, int Count);

    private readonly record struct PendingJump(DateTimeOffset Time, DateTimeOffset BeforeTime, double Before);

    private sealed class FieldState
    {
        public DateTimeOffset? LastTime { get; set; }

        public double LastValue { get; set; }

        public FlatRun? RunStart { get; set; }

        public FlatRun? RunBeforeJump { get; set; }

        public PendingJump? Jump { get; set; }
    }

    /// <summary>
    /// The last readings' receipt and measurement times, for the clock-drift check, with running counts of the ones
    /// ahead and behind by more than the tolerance and the sum of their offsets, kept as readings come and go (no copy of
    /// the window per reading). A new tolerance (a replaced policy) counts the window again.
    /// </summary>
    private sealed class ClockWindow
    {
        private readonly Queue<(DateTimeOffset Received, DateTimeOffset Measured)> _offsets = new();
        private TimeSpan _tolerance;

        public int Count => _offsets.Count;

        /// <summary>How many are ahead of the receipt time by more than the tolerance.</summary>
        public int Ahead { get; private set; }

        /// <summary>How many are behind the receipt time by more than the tolerance.</summary>
        public int Behind { get; private set; }

        /// <summary>The sum of measured minus received, in ticks.</summary>
        public long OffsetTicks { get; private set; }

        public (DateTimeOffset Received, DateTimeOffset Measured) First => _offsets.Peek();

        public void Add(DateTimeOffset received, DateTimeOffset measured, ClockDriftRule clock)
        {
            if (clock.Tolerance != _tolerance)
            {
                _tolerance = clock.Tolerance;
                (Ahead, Behind) = (0, 0);
                foreach ((DateTimeOffset r, DateTimeOffset m) in _offsets)
                {
                    Tally(m - r, +1);
                }
            }

            _offsets.Enqueue((received, measured));
            OffsetTicks = checked(OffsetTicks + (measured - received).Ticks);
            Tally(measured - received, +1);
            while (_offsets.Count > clock.Samples)
            {
                (DateTimeOffset r, DateTimeOffset m) = _offsets.Dequeue();
                OffsetTicks -= (m - r).Ticks;
                Tally(m - r, -1);
            }
        }

        private void Tally(TimeSpan offset, int sign)
        {
            if (offset > _tolerance)
            {
                Ahead += sign;
            }

            if (-offset > _tolerance)
            {
                Behind += sign;
            }
        }
    }

    private sealed class StationState
    {
        private readonly Queue<DateTimeOffset> _order = new();

        public long? LastSeq { get; set; }

        public bool Drifting { get; set; }

        public ClockWindow Clock { get; } = new();

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
