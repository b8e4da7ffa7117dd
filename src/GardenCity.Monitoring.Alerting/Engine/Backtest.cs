using GardenCity.Monitoring.Core.Readings;

namespace GardenCity.Monitoring.Alerting.Engine;

/// <summary>
/// Runs the rules over stored readings: the same engine in event time, with absence judged against the watermark
/// (checked whenever the watermark has moved a minute). Reads the period in chunks so memory stays bounded.
/// </summary>
public static class Backtest
{
    /// <summary>Length of one read from InfluxDB.</summary>
    public static readonly TimeSpan Chunk = TimeSpan.FromHours(6);

    /// <summary>Every alert change the rules would have made in (<paramref name="from"/>, <paramref name="to"/>].</summary>
    /// <param name="engine">A fresh engine with <see cref="AbsenceClock.Watermark"/>.</param>
    /// <param name="read">Reads the readings of a sub-period, in time order.</param>
    /// <param name="from">Start (exclusive).</param>
    /// <param name="to">End (inclusive).</param>
    /// <param name="progress">Told the fraction done after each chunk.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<IReadOnlyList<AlertChange>> RunAsync(
        AlertEngine engine,
        Func<DateTimeOffset, DateTimeOffset, CancellationToken, Task<IReadOnlyList<Reading>>> read,
        DateTimeOffset from,
        DateTimeOffset to,
        IProgress<double>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(read);
        if (to <= from)
        {
            throw new ArgumentException("the end must be after the start", nameof(to));
        }

        var changes = new List<AlertChange>();
        for (DateTimeOffset start = from; start < to; start += Chunk)
        {
            DateTimeOffset end = start + Chunk < to ? start + Chunk : to;
            foreach (Reading reading in await read(start, end, cancellationToken).ConfigureAwait(false))
            {
                changes.AddRange(engine.Process(reading, DateTimeOffset.MaxValue).Changes);
            }

            progress?.Report((end - from) / (to - from));
        }

        changes.AddRange(engine.Tick(DateTimeOffset.MaxValue));
        return changes;
    }
}
