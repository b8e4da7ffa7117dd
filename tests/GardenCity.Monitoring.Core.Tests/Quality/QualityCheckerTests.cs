using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Tests.Quality;

public sealed class QualityCheckerTests
{
    private static readonly DateTimeOffset T0 = new(2023, 7, 31, 0, 0, 0, TimeSpan.Zero);
    private static readonly Station Gauge = Station("yd-wl-03");
    private static readonly Station Weather = Station("zt-wx-01");

    private static Station Station(string id) => TestRegistry.Instance.TryGet(id, out Station? s) ? s : throw new ArgumentException(id);

    private static QualityChecker Shipped() => new(QualityPolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "quality.yaml"), TestRegistry.Instance));

    private static TelemetryReading Level(int minute, double level, long? seq = null) =>
        new(Gauge, T0.AddMinutes(minute), seq ?? (minute / 5), new Dictionary<string, double> { ["water_level_m"] = level });

    /// <summary>Assesses with the receipt time equal to the measurement time (a station on time).</summary>
    private static QualityAssessment OnTime(QualityChecker checker, TelemetryReading reading) => checker.Assess(reading, reading.Timestamp);

    [Fact]
    public void Assess_JumpThatComesBack_JumpIsReflaggedBadAsSpikeAndTheReturnIsGood()
    {
        QualityChecker checker = Shipped();
        Assert.Equal(QualityFlag.Good, OnTime(checker, Level(0, 1.00)).Quality.Flag);
        Assert.Equal(QualityFlag.Good, OnTime(checker, Level(5, 1.01)).Quality.Flag);

        QualityAssessment jump = OnTime(checker, Level(10, 3.10));
        Assert.Equal(QualityChecks.RateOfChange, jump.Quality.Of("water_level_m"));
        Assert.Equal(QualityFlag.Doubtful, jump.Quality.Flag);

        QualityAssessment back = OnTime(checker, Level(15, 1.02));
        Assert.Equal(QualityFlag.Good, back.Quality.Flag); // compared with the value before the spike, not with the spike
        QualityRevision revision = Assert.Single(back.Revisions);
        Assert.Equal(T0.AddMinutes(10), revision.Timestamp);
        Assert.Equal(QualityChecks.Spike, revision.Quality.Of("water_level_m"));
        Assert.Equal(QualityFlag.Bad, revision.Quality.Flag);
        Assert.Equal("spike:water_level_m", revision.Quality.ToString());
    }

    [Fact]
    public void Assess_JumpThatStays_IsNoSpike()
    {
        QualityChecker checker = Shipped();
        OnTime(checker, Level(0, 1.00));
        Assert.Equal(QualityFlag.Doubtful, OnTime(checker, Level(5, 2.20)).Quality.Flag);
        QualityAssessment next = OnTime(checker, Level(10, 2.30));
        Assert.Equal(QualityFlag.Good, next.Quality.Flag);
        Assert.Empty(next.Revisions);
    }

    [Fact]
    public void Assess_SameLevelForTwoHours_IsStuckFromThe24thSampleAndAMoveEndsIt()
    {
        QualityChecker checker = Shipped();
        var flags = Enumerable.Range(0, 30).Select(i => OnTime(checker, Level(i * 5, 0.850)).Quality.Of("water_level_m")).ToList();
        Assert.All(flags.Take(24), f => Assert.Equal(QualityChecks.None, f)); // 24 samples span 115 min: not yet 2 h
        Assert.All(flags.Skip(24), f => Assert.Equal(QualityChecks.Stuck, f));
        Assert.Equal(QualityChecks.None, OnTime(checker, Level(150, 0.853)).Quality.Of("water_level_m"));
    }

    [Fact]
    public void Assess_NoisyLevel_IsNeverStuck()
    {
        QualityChecker checker = Shipped();
        var flags = Enumerable.Range(0, 60).Select(i => OnTime(checker, Level(i * 5, 0.850 + (i % 3 * 0.001))).Quality.Flag).ToList();
        Assert.All(flags, f => Assert.Equal(QualityFlag.Good, f));
    }

    [Fact]
    public void Assess_OutsideSoftLimits_IsDoubtfulAndKept()
    {
        QualityChecker checker = Shipped();
        var hot = new TelemetryReading(Weather, T0, 1, new Dictionary<string, double> { ["air_temp_c"] = 47, ["rh_pct"] = 30 });
        ReadingQuality quality = OnTime(checker, hot).Quality;
        Assert.Equal(QualityChecks.SoftLimit, quality.Of("air_temp_c"));
        Assert.Equal(QualityFlag.Good, quality.FlagOf("rh_pct"));
        Assert.Equal("soft-limit:air_temp_c", quality.ToString());
    }

    [Fact]
    public void Assess_ClockFourMinutesAhead_IsDriftAfterSixReadingsAndEndsWhenOnTime()
    {
        QualityChecker checker = Shipped();
        var changes = new List<TimeSpan?>();
        var flags = new List<QualityFlag>();
        for (int i = 0; i < 8; i++)
        {
            TelemetryReading r = Level(i * 5, 1.0 + (i * 0.001));
            QualityAssessment a = checker.Assess(r, r.Timestamp - TimeSpan.FromMinutes(4)); // received 4 min "before" it was measured
            flags.Add(a.Quality.Flag);
            changes.Add(a.ClockDrift);
        }

        Assert.Equal([QualityFlag.Good, QualityFlag.Good, QualityFlag.Good, QualityFlag.Good, QualityFlag.Good, QualityFlag.Doubtful, QualityFlag.Doubtful, QualityFlag.Doubtful], flags);
        Assert.Equal(TimeSpan.FromMinutes(4), changes[5]);
        TelemetryReading onTime = Level(40, 1.01);
        QualityAssessment fixedClock = checker.Assess(onTime, onTime.Timestamp);
        Assert.Equal(TimeSpan.Zero, fixedClock.ClockDrift);
        Assert.Equal(QualityFlag.Good, fixedClock.Quality.Flag);
    }

    [Fact]
    public void Assess_ClockBehindAtLivePace_IsDrift()
    {
        QualityChecker checker = Shipped();
        QualityAssessment last = null!;
        for (int i = 0; i < 6; i++)
        {
            TelemetryReading r = Level(i * 5, 1.0 + (i * 0.001));
            last = checker.Assess(r, r.Timestamp + TimeSpan.FromMinutes(20));
        }

        Assert.Equal(QualityChecks.ClockDrift, last.Quality.Of("water_level_m"));
        Assert.Equal(TimeSpan.FromMinutes(-20), last.ClockDrift);
    }

    [Fact]
    public void Assess_ClockBehind_ThenABurstFromTheSameStation_StaysDriftUntilOnTime()
    {
        // Seen in bench/load.sh's backlog case (2026-12-04): stations two hours behind, delivering in clumps near their
        // measuring pace, went in and out of clock drift at every clump: 20,708 "clock is off" warnings for 200 stations.
        QualityChecker checker = Shipped();
        var changes = new List<TimeSpan?>();
        var flags = new List<QualityFlag>();
        for (int i = 0; i < 12; i++)
        {
            TelemetryReading r = Level(i * 5, 1.0 + (i * 0.001));
            // Six readings at their pace, 20 min behind; then the link drops for half an hour and the next six come at once.
            DateTimeOffset received = i < 6 ? r.Timestamp + TimeSpan.FromMinutes(20) : Level(11 * 5, 1).Timestamp + TimeSpan.FromMinutes(20);
            QualityAssessment a = checker.Assess(r, received);
            flags.Add(a.Quality.Flag);
            changes.Add(a.ClockDrift);
        }

        Assert.Equal(TimeSpan.FromMinutes(-20), changes[5]); // drift found once, at the sixth reading
        Assert.All(changes[6..], c => Assert.Null(c)); // and not ended by the burst
        Assert.All(flags[5..], f => Assert.Equal(QualityFlag.Doubtful, f));
        TelemetryReading onTime = Level(60, 1.01);
        Assert.Equal(TimeSpan.Zero, checker.Assess(onTime, onTime.Timestamp).ClockDrift); // on time again: it ends
    }

    [Fact]
    public void Assess_BacklogOfHoursDeliveredInSeconds_IsNoDrift()
    {
        QualityChecker checker = Shipped();
        DateTimeOffset arrival = T0.AddHours(10);
        for (int i = 0; i < 100; i++)
        {
            QualityAssessment a = checker.Assess(Level(i * 5, 1.0 + (i % 5 * 0.001)), arrival.AddMilliseconds(i * 50));
            Assert.Equal(QualityChecks.None, a.Quality.Of("water_level_m") & QualityChecks.ClockDrift);
        }
    }

    [Fact]
    public void Assess_Redelivered_GetsTheSameFlagsAndRevisions()
    {
        QualityChecker checker = Shipped();
        OnTime(checker, Level(0, 1.00));
        OnTime(checker, Level(5, 3.10));
        QualityAssessment first = OnTime(checker, Level(10, 1.00));
        QualityAssessment again = OnTime(checker, Level(10, 1.00));
        Assert.Equal(first.Quality, again.Quality);
        Assert.Equal(first.Revisions, again.Revisions);
        Assert.Single(again.Revisions);
    }

    [Fact]
    public void Assess_SequenceGap_IsNotedButTheValueStaysGood()
    {
        QualityChecker checker = Shipped();
        OnTime(checker, Level(0, 1.0, seq: 10));
        ReadingQuality quality = OnTime(checker, Level(5, 1.001, seq: 14)).Quality;
        Assert.Equal(QualityChecks.SequenceGap, quality.Of("water_level_m"));
        Assert.Equal(QualityFlag.Good, quality.Flag);
    }

    [Fact]
    public void Assess_NoPolicy_FlagsNothing()
    {
        var checker = new QualityChecker(QualityPolicy.None);
        OnTime(checker, Level(0, 1.0));
        Assert.Equal(QualityFlag.Good, OnTime(checker, Level(5, 9.0)).Quality.Flag);
    }

    private static QualityPolicy ClockOnly(string tolerance, int samples) =>
        QualityPolicyLoader.Load($"version: 1\nclock_drift: {{ tolerance: {tolerance}, samples: {samples} }}\n", "clock.yaml", TestRegistry.Instance);

    [Fact]
    public void Assess_ClockAheadByUnevenOffsets_DriftIsTheMeanOffsetOfTheWindow()
    {
        var checker = new QualityChecker(ClockOnly("3m", 4));
        int[] aheadSeconds = [200, 250, 430, 190, 260, 610]; // all beyond 3 min; the window is the last four
        var changes = new List<TimeSpan?>();
        for (int i = 0; i < aheadSeconds.Length; i++)
        {
            TelemetryReading r = Level(i * 5, 1.0);
            changes.Add(checker.Assess(r, r.Timestamp - TimeSpan.FromSeconds(aheadSeconds[i])).ClockDrift);
        }

        double meanOfFirstFour = aheadSeconds.Take(4).Average();
        Assert.Equal([null, null, null, TimeSpan.FromTicks((long)(meanOfFirstFour * TimeSpan.TicksPerSecond)), null, null], changes);
    }

    [Fact]
    public void Assess_ReplacedPolicyWithATighterTolerance_JudgesTheReadingsAlreadyInTheWindowByIt()
    {
        var checker = new QualityChecker(ClockOnly("3m", 3));
        for (int i = 0; i < 3; i++)
        {
            TelemetryReading r = Level(i * 5, 1.0);
            Assert.Equal(QualityFlag.Good, checker.Assess(r, r.Timestamp - TimeSpan.FromMinutes(2)).Quality.Flag); // 2 min ahead: within 3 min
        }

        checker.Replace(ClockOnly("1m", 3));
        TelemetryReading next = Level(15, 1.0);
        QualityAssessment a = checker.Assess(next, next.Timestamp - TimeSpan.FromMinutes(2));

        Assert.Equal((QualityChecks.ClockDrift, QualityFlag.Doubtful), (a.Quality.Of("water_level_m"), a.Quality.Flag));
        Assert.Equal(TimeSpan.FromMinutes(2), a.ClockDrift);

        checker.Replace(ClockOnly("5m", 3));
        TelemetryReading later = Level(20, 1.0);
        Assert.Equal(TimeSpan.Zero, checker.Assess(later, later.Timestamp - TimeSpan.FromMinutes(2)).ClockDrift); // within 5 min again: the episode ends
    }

    [Fact]
    public void Assess_NothingFound_IsTheSharedGoodQuality_AndAFindingHasItsWorstFlag()
    {
        QualityChecker checker = Shipped();

        QualityAssessment good = OnTime(checker, Level(0, 1.0));
        QualityAssessment doubtful = OnTime(checker, Level(5, 3.10)); // a rate-of-change jump
        QualityAssessment back = OnTime(checker, Level(10, 1.0)); // it came back: the jump is a spike

        Assert.Same(ReadingQuality.Good, good.Quality);
        Assert.Empty(good.Revisions);
        Assert.Equal(QualityFlag.Doubtful, doubtful.Quality.Flag);
        Assert.Same(ReadingQuality.Good, back.Quality);
        QualityRevision revision = Assert.Single(back.Revisions);
        Assert.Equal((QualityFlag.Bad, "spike:water_level_m"), (revision.Quality.Flag, revision.Quality.ToString()));
        Assert.Equal(new ReadingQuality(new Dictionary<string, QualityChecks> { ["water_level_m"] = QualityChecks.Spike, ["rain_mm"] = QualityChecks.None }), revision.Quality);
    }

    [Fact]
    public void ReadingQuality_Flag_IsTheWorstOfItsFields()
    {
        var quality = new ReadingQuality(new Dictionary<string, QualityChecks> { ["a"] = QualityChecks.SequenceGap, ["b"] = QualityChecks.Stuck, ["c"] = QualityChecks.None });

        Assert.Equal(QualityFlag.Doubtful, quality.Flag);
        Assert.Equal(["a", "b"], quality.Fields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(QualityFlag.Good, new ReadingQuality(new Dictionary<string, QualityChecks> { ["a"] = QualityChecks.SequenceGap }).Flag);
        Assert.Equal(QualityFlag.Bad, new ReadingQuality(new Dictionary<string, QualityChecks> { ["a"] = QualityChecks.SoftLimit, ["b"] = QualityChecks.Spike }).Flag);
    }

    [Fact]
    public void FormatAndParse_RoundTrip()
    {
        var fields = new Dictionary<string, QualityChecks> { ["water_level_m"] = QualityChecks.Spike | QualityChecks.Stuck, ["rain_mm"] = QualityChecks.SoftLimit };
        string text = QualityFlags.Format(fields);
        Assert.Equal("soft-limit:rain_mm,spike:water_level_m,stuck:water_level_m", text);
        Assert.Equal(fields, QualityFlags.Parse(text));
        Assert.Empty(QualityFlags.Parse("future-check:x,,nonsense"));
    }
}
