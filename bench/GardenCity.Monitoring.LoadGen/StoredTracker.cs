namespace GardenCity.Monitoring.LoadGen;

/// <summary>
/// Publish → stored, from InfluxDB's point counts. Each poll asks for the number of points per station with time ≥ T,
/// T being the oldest <c>ts</c> not yet seen stored (so the query only counts the recent window, never the whole run).
/// A station's readings before T are all known stored, so its stored count is (its readings with ts &lt; T) + (the count
/// since T). Each station's order is kept end to end (one connection, QoS 1, one ordered batch loop), so its k-th
/// reading is stored once that count reaches k; its latency is the time the poll's answer arrived minus the time it was
/// published. The resolution is the poll interval plus the query's own time, and every figure is an upper bound.
/// </summary>
internal sealed class StoredTracker(PublishLog log)
{
    private readonly int[] _confirmed = new int[log.Stations];

    /// <summary>Readings seen stored so far.</summary>
    public long Confirmed { get; private set; }

    /// <summary>When the last new reading was seen stored (Unix ms), or 0.</summary>
    public long LastProgressMs { get; private set; }

    /// <summary>The oldest <c>ts</c> of a published reading not yet seen stored; null when none is pending.</summary>
    public long? OldestPendingTs()
    {
        long? oldest = null;
        for (int s = 0; s < _confirmed.Length; s++)
        {
            if (_confirmed[s] < log.Published(s))
            {
                long ts = log.Ts(s, _confirmed[s]);
                if (oldest is null || ts < oldest)
                {
                    oldest = ts;
                }
            }
        }

        return oldest;
    }

    /// <summary>
    /// Applies one poll: <paramref name="countsSince"/> are the points per station index with time ≥
    /// <paramref name="since"/>, answered at <paramref name="answeredAtMs"/>. Adds the latency of each reading newly
    /// seen stored to <paramref name="latencies"/>; returns how many there were.
    /// </summary>
    public int Apply(long since, IReadOnlyDictionary<int, long> countsSince, long answeredAtMs, List<double> latencies)
    {
        ArgumentNullException.ThrowIfNull(countsSince);
        ArgumentNullException.ThrowIfNull(latencies);
        int added = 0;
        for (int s = 0; s < _confirmed.Length; s++)
        {
            int published = log.Published(s);
            long stored = log.CountBefore(s, since, published) + countsSince.GetValueOrDefault(s);
            int upTo = (int)Math.Min(stored, published); // a reading published after the count was read waits for the next poll
            for (int k = _confirmed[s]; k < upTo; k++)
            {
                latencies.Add(answeredAtMs - log.PublishedAt(s, k));
                added++;
            }

            _confirmed[s] = Math.Max(_confirmed[s], upTo);
        }

        if (added > 0)
        {
            Confirmed += added;
            LastProgressMs = answeredAtMs;
        }

        return added;
    }
}
