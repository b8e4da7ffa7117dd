namespace GardenCity.Monitoring.LoadGen;

/// <summary>
/// What one run measured, written as JSON (snake_case). bench/load.sh adds the worker's CPU and memory from /proc and
/// puts every case's report into one file; bench/README.md describes each field.
/// </summary>
internal sealed record LoadReport
{
    public required string Case { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required int Stations { get; init; }

    public required long Readings { get; init; }

    public required double RateTarget { get; init; }

    public required int Window { get; init; }

    public required double TsOffsetSeconds { get; init; }

    public required string Sink { get; init; }

    public required long Published { get; init; }

    public required long Acked { get; init; }

    public required long PublishFailures { get; init; }

    public required double PublishSeconds { get; init; }

    /// <summary>Acknowledged readings per second while publishing.</summary>
    public required double PublishRate { get; init; }

    /// <summary>Readings seen stored (influx) or received (mqtt).</summary>
    public required long Delivered { get; init; }

    public required long Lost { get; init; }

    /// <summary>From the first publish to the last reading seen delivered.</summary>
    public required double EndToEndSeconds { get; init; }

    /// <summary><see cref="Delivered"/> / <see cref="EndToEndSeconds"/>.</summary>
    public required double ReadingsPerSecond { get; init; }

    /// <summary>How the run ended: complete, stalled or max-duration.</summary>
    public required string End { get; init; }

    public required double PollIntervalMs { get; init; }

    public required long PollFailures { get; init; }

    /// <summary>Publish → stored (influx sink only).</summary>
    public required LatencySummary StoredLatency { get; init; }

    /// <summary>From the drain start (the file's time) to the last reading stored; null without a drain.</summary>
    public double? DrainSeconds { get; init; }

    public double? DrainRate { get; init; }

    public AlertReport? Alerts { get; init; }

    /// <summary>User + system CPU of this load generator over the whole run: to see that it was not the limit.</summary>
    public required double GeneratorCpuSeconds { get; init; }
}

/// <summary>The alert side of a run (<see cref="AlertMatcher"/>).</summary>
internal sealed record AlertReport(int Expected, int Matched, int Live, int Late, int Unmatched, LatencySummary Latency, IReadOnlyList<SlowAlert> Slowest);

/// <summary>One of the slowest matched alert notifications: its latency, when it arrived (Unix ms), and which arrival it was (1 = first).</summary>
internal sealed record SlowAlert(double LatencyMs, long ArrivedAtMs, int Arrival);
