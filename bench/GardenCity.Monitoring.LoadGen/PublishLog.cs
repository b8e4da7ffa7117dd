namespace GardenCity.Monitoring.LoadGen;

/// <summary>
/// The <c>ts</c> each reading was published with (Unix ms), per station in publishing order, when it was published, and
/// how many readings of each station have been handed to its connection. A station's <c>ts</c> is the wall clock at
/// publish plus the run's offset (0 unless backdated), bumped by 1 ms when the clock has not moved, so a station's
/// timestamps strictly increase: InfluxDB keeps one point per series and time, and two readings in one millisecond
/// would become one point. With a measurement interval (a backlog), reading k's <c>ts</c> is instead the origin plus
/// the offset minus (readings − k) intervals: what a station that buffered its readings while its link was down sends
/// at once, measured an interval apart and ending one interval before the origin plus the offset. Written by one
/// publishing task per station, read by the probes.
/// </summary>
internal sealed class PublishLog
{
    private readonly long[][] _ts;
    private readonly long[][] _at;
    private readonly int[] _published;
    private readonly long _intervalMs;
    private readonly long _firstTsMs;

    /// <summary>
    /// A log for <paramref name="stations"/> stations of <paramref name="readingsPerStation"/> readings; with
    /// <paramref name="intervalMs"/> &gt; 0, their <c>ts</c> an interval apart, ending before <paramref name="originMs"/>
    /// plus the offset.
    /// </summary>
    public PublishLog(int stations, int readingsPerStation, long offsetMs, long intervalMs = 0, long originMs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(intervalMs);
        _ts = new long[stations][];
        _at = new long[stations][];
        for (int s = 0; s < stations; s++)
        {
            _ts[s] = new long[readingsPerStation];
            _at[s] = new long[readingsPerStation];
        }

        _published = new int[stations];
        OffsetMs = offsetMs;
        _intervalMs = intervalMs;
        _firstTsMs = originMs + offsetMs - (readingsPerStation * intervalMs);
    }

    /// <summary>What was added to the wall clock to make <c>ts</c> (negative: backdated).</summary>
    public long OffsetMs { get; }

    /// <summary>Number of stations.</summary>
    public int Stations => _ts.Length;

    /// <summary>Readings of <paramref name="station"/> published so far (its next index).</summary>
    public int Published(int station) => Volatile.Read(ref _published[station]);

    /// <summary>The <c>ts</c> of reading <paramref name="k"/> of <paramref name="station"/> (published only).</summary>
    public long Ts(int station, int k) => _ts[station][k];

    /// <summary>The wall-clock time reading <paramref name="k"/> was published at (Unix ms).</summary>
    public long PublishedAt(int station, int k) => _at[station][k];

    /// <summary>Records the next reading of <paramref name="station"/> at wall clock <paramref name="nowMs"/>; returns its <c>ts</c>.</summary>
    public long Record(int station, long nowMs)
    {
        int k = _published[station];
        long ts = _intervalMs > 0 ? _firstTsMs + (k * _intervalMs) : nowMs + OffsetMs;
        if (k > 0 && ts <= _ts[station][k - 1])
        {
            ts = _ts[station][k - 1] + 1;
        }

        _ts[station][k] = ts;
        _at[station][k] = _intervalMs > 0 ? nowMs : ts - OffsetMs;
        Volatile.Write(ref _published[station], k + 1);
        return ts;
    }

    /// <summary>How many of the first <paramref name="published"/> readings of a station have <c>ts</c> &lt; <paramref name="ts"/>.</summary>
    public int CountBefore(int station, long ts, int published)
    {
        int index = Array.BinarySearch(_ts[station], 0, published, ts);
        return index >= 0 ? index : ~index; // timestamps are unique per station
    }
}
