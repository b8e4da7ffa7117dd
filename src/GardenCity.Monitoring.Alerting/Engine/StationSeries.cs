using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Engine;

/// <summary>A timestamped numeric sample and what the quality checks found in it (docs/data-quality.md).</summary>
public readonly record struct Sample(DateTimeOffset Time, double Value, QualityChecks Checks = QualityChecks.None)
{
    /// <summary>The sample's flag.</summary>
    public QualityFlag Flag => QualityFlags.Of(Checks);
}

/// <summary>Something a station saw at an instant: a camera-trap detection or a fire detection.</summary>
/// <param name="Time">Measurement time.</param>
/// <param name="Kind"><c>detection</c> (camera trap) or <c>fire</c>.</param>
/// <param name="Subject">Species name for a detection, <c>smoke</c> or <c>flame</c> for a fire.</param>
/// <param name="Confidence">0–1.</param>
/// <param name="Count">Individuals (1 for fire).</param>
public sealed record StationEvent(DateTimeOffset Time, string Kind, string Subject, double Confidence, int Count);

/// <summary>
/// One field's samples of one station, kept sorted by measurement time; a sample at an existing time replaces it (a
/// redelivered message changes nothing). Not thread-safe: the engine owns it.
/// </summary>
public sealed class TimeSeries
{
    private readonly List<Sample> _samples = [];

    /// <summary>Number of samples held.</summary>
    public int Count => _samples.Count;

    /// <summary>Adds or replaces the sample at <paramref name="time"/>.</summary>
    public void Add(DateTimeOffset time, double value, QualityChecks checks = QualityChecks.None)
    {
        if (_samples.Count == 0 || _samples[^1].Time < time)
        {
            _samples.Add(new Sample(time, value, checks));
            return;
        }

        int i = IndexAtOrAfter(time);
        if (i < _samples.Count && _samples[i].Time == time)
        {
            _samples[i] = new Sample(time, value, checks);
        }
        else
        {
            _samples.Insert(i, new Sample(time, value, checks));
        }
    }

    /// <summary>Sets new quality checks on the sample at <paramref name="time"/> (a jump found to be a spike); false when there is none.</summary>
    public bool Reflag(DateTimeOffset time, QualityChecks checks)
    {
        int i = IndexAtOrAfter(time);
        if (i < _samples.Count && _samples[i].Time == time)
        {
            _samples[i] = _samples[i] with { Checks = checks };
            return true;
        }

        return false;
    }

    /// <summary>The latest sample at or before <paramref name="at"/> whose flag is at most <paramref name="admit"/>.</summary>
    public Sample? Latest(DateTimeOffset at, QualityFlag admit)
    {
        int i = IndexAtOrAfter(at);
        if (i < _samples.Count && _samples[i].Time == at)
        {
            i++;
        }

        for (i--; i >= 0; i--)
        {
            if (_samples[i].Flag <= admit)
            {
                return _samples[i];
            }
        }

        return null;
    }

    /// <summary>The latest sample at or before <paramref name="at"/>.</summary>
    public Sample? Latest(DateTimeOffset at)
    {
        int i = IndexAtOrAfter(at);
        if (i < _samples.Count && _samples[i].Time == at)
        {
            return _samples[i];
        }

        return i > 0 ? _samples[i - 1] : null;
    }

    /// <summary>The samples in the window (<paramref name="at"/> − <paramref name="window"/>, <paramref name="at"/>].</summary>
    public IEnumerable<Sample> Window(DateTimeOffset at, TimeSpan window)
    {
        DateTimeOffset from = at - window;
        for (int i = IndexAtOrAfter(from); i < _samples.Count && _samples[i].Time <= at; i++)
        {
            if (_samples[i].Time > from)
            {
                yield return _samples[i];
            }
        }
    }

    /// <summary>
    /// The first and the last sample in the window (<paramref name="at"/> − <paramref name="window"/>, <paramref name="at"/>]
    /// whose flag is at most <paramref name="admit"/>; null when there are fewer than two. Found from both ends, so a
    /// rate costs the same however many samples the window holds.
    /// </summary>
    public (Sample First, Sample Last)? Ends(DateTimeOffset at, TimeSpan window, QualityFlag admit)
    {
        DateTimeOffset from = at - window;
        int first = IndexAtOrAfter(from);
        while (first < _samples.Count && (_samples[first].Time <= from || _samples[first].Flag > admit) && _samples[first].Time <= at)
        {
            first++;
        }

        int last = IndexAtOrAfter(at);
        if (last == _samples.Count || _samples[last].Time > at)
        {
            last--;
        }

        while (last > first && _samples[last].Flag > admit)
        {
            last--;
        }

        return first < last ? (_samples[first], _samples[last]) : null; // last is at or before at, so first is too
    }

    /// <summary>Drops every sample, the latest value too (a derived value that no longer holds, e.g. FWI out of season).</summary>
    public void Clear() => _samples.Clear();

    /// <summary>Drops samples older than <paramref name="before"/>, keeping the last one before it (a latest value).</summary>
    public void Trim(DateTimeOffset before)
    {
        int i = IndexAtOrAfter(before);
        if (i > 1)
        {
            _samples.RemoveRange(0, i - 1);
        }
    }

    private int IndexAtOrAfter(DateTimeOffset time)
    {
        int lo = 0, hi = _samples.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_samples[mid].Time < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

/// <summary>What the engine remembers of one station: its fields, its events, sequence gaps and when it was last heard.</summary>
public sealed class StationSeries(Station station)
{
    private readonly Dictionary<string, TimeSeries> _fields = new(StringComparer.Ordinal);
    private readonly List<StationEvent> _events = [];
    private readonly List<Sample> _gaps = [];

    /// <summary>The station.</summary>
    public Station Station { get; } = station;

    /// <summary>Latest measurement time of anything the station sent; the time its rules are evaluated at.</summary>
    public DateTimeOffset? LatestTime { get; set; }

    /// <summary>Live only: the wall clock when anything from the station last arrived, late or not (null in a replay).</summary>
    public DateTimeOffset? LastArrival { get; set; }

    /// <summary>
    /// When the station was last heard, for absence: the later of <see cref="LatestTime"/> and <see cref="LastArrival"/>.
    /// A station sending only a backlog is late, not offline.
    /// </summary>
    public DateTimeOffset? LastHeard => LastArrival is { } arrival && (LatestTime is null || arrival > LatestTime) ? arrival : LatestTime;

    /// <summary>The last <c>seq</c> seen, to find gaps.</summary>
    public long? LastSeq { get; set; }

    /// <summary>The fields seen, in ordinal order.</summary>
    public IEnumerable<string> FieldNames => _fields.Keys.Order(StringComparer.Ordinal);

    /// <summary>The series of a field, or null when none was seen.</summary>
    public TimeSeries? Field(string name) => _fields.GetValueOrDefault(name);

    /// <summary>Adds a value of a field, with what the quality checks found in it.</summary>
    public void Add(string field, DateTimeOffset time, double value, QualityChecks checks = QualityChecks.None)
    {
        if (!_fields.TryGetValue(field, out TimeSeries? series))
        {
            _fields[field] = series = new TimeSeries();
        }

        series.Add(time, value, checks);
    }

    /// <summary>Adds an event (kept in time order).</summary>
    public void AddEvent(StationEvent e)
    {
        int i = _events.Count;
        while (i > 0 && _events[i - 1].Time > e.Time)
        {
            i--;
        }

        if (!_events.Skip(Math.Max(0, i - 8)).Take(16).Contains(e))
        {
            _events.Insert(i, e);
        }
    }

    /// <summary>Records that <paramref name="missing"/> sequence numbers were skipped at <paramref name="time"/>.</summary>
    public void AddGap(DateTimeOffset time, long missing) => _gaps.Add(new Sample(time, missing));

    /// <summary>Events in (<paramref name="at"/> − <paramref name="window"/>, <paramref name="at"/>].</summary>
    public IEnumerable<StationEvent> Events(DateTimeOffset at, TimeSpan window) =>
        _events.Where(e => e.Time > at - window && e.Time <= at);

    /// <summary>Gaps in (<paramref name="at"/> − <paramref name="window"/>, <paramref name="at"/>].</summary>
    public IEnumerable<Sample> Gaps(DateTimeOffset at, TimeSpan window) =>
        _gaps.Where(g => g.Time > at - window && g.Time <= at);

    /// <summary>Forgets what is older than <paramref name="before"/> (the engine's retention).</summary>
    public void Trim(DateTimeOffset before)
    {
        foreach (TimeSeries series in _fields.Values)
        {
            series.Trim(before);
        }

        _events.RemoveAll(e => e.Time < before);
        _gaps.RemoveAll(g => g.Time < before);
    }
}
