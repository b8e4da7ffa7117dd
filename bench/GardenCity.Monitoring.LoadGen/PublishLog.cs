namespace GardenCity.Monitoring.LoadGen;

/// <summary>
/// The <c>ts</c> each reading was published with (Unix ms), per station in publishing order, and how many readings of
/// each station have been handed to its connection. A station's <c>ts</c> is the wall clock at publish plus the run's
/// offset (0 unless backdated), bumped by 1 ms when the clock has not moved, so a station's timestamps strictly
/// increase: InfluxDB keeps one point per series and time, and two readings in one millisecond would become one point.
/// Written by one publishing task per station, read by the probes.
/// </summary>
internal sealed class PublishLog
{
    private readonly long[][] _ts;
    private readonly int[] _published;

    /// <summary>A log for <paramref name="stations"/> stations of <paramref name="readingsPerStation"/> readings.</summary>
    public PublishLog(int stations, int readingsPerStation, long offsetMs)
    {
        _ts = new long[stations][];
        for (int s = 0; s < stations; s++)
        {
            _ts[s] = new long[readingsPerStation];
        }

        _published = new int[stations];
        OffsetMs = offsetMs;
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
    public long PublishedAt(int station, int k) => _ts[station][k] - OffsetMs;

    /// <summary>Records the next reading of <paramref name="station"/> at wall clock <paramref name="nowMs"/>; returns its <c>ts</c>.</summary>
    public long Record(int station, long nowMs)
    {
        int k = _published[station];
        long ts = nowMs + OffsetMs;
        if (k > 0 && ts <= _ts[station][k - 1])
        {
            ts = _ts[station][k - 1] + 1;
        }

        _ts[station][k] = ts;
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
