using System.Text;
using GardenCity.Monitoring.LoadGen;

namespace GardenCity.Monitoring.LoadGen.Tests;

/// <summary>Publish → stored from InfluxDB's counts per station since the oldest pending <c>ts</c>.</summary>
public sealed class StoredTrackerTests
{
    [Fact]
    public void Apply_CountsSinceOldestPending_TimesEachReadingOnceFromItsOwnPublishTime()
    {
        var log = new PublishLog(stations: 2, readingsPerStation: 4, offsetMs: 0);
        long[] station0 = [1000, 1010, 1020], station1 = [1005, 1015];
        foreach (long t in station0)
        {
            log.Record(0, t);
        }

        foreach (long t in station1)
        {
            log.Record(1, t);
        }

        var tracker = new StoredTracker(log);
        var latencies = new List<double>();

        Assert.Equal(1000, tracker.OldestPendingTs());
        // First poll at 1100: station 0 has two points stored, station 1 one.
        Assert.Equal(3, tracker.Apply(1000, new Dictionary<int, long> { [0] = 2, [1] = 1 }, 1100, latencies));
        Assert.Equal([100, 90, 95], latencies);
        // Station 0's third reading (1020) and station 1's second (1015) are pending; the oldest is 1015.
        Assert.Equal(1015, tracker.OldestPendingTs());
        // Second poll at 1200, counting since 1015: station 0 has two readings before 1015 (1000, 1010) plus one since,
        // so three; station 1 has one before (1005) plus one since, so two.
        Assert.Equal(2, tracker.Apply(1015, new Dictionary<int, long> { [0] = 1, [1] = 1 }, 1200, latencies));
        Assert.Equal([100, 90, 95, 180, 185], latencies);
        Assert.Equal(5, tracker.Confirmed);
        Assert.Equal(1200, tracker.LastProgressMs);
        Assert.Null(tracker.OldestPendingTs());
    }

    [Fact]
    public void Apply_CountAheadOfWhatWasPublished_WaitsForTheNextPoll()
    {
        var log = new PublishLog(stations: 1, readingsPerStation: 3, offsetMs: 0);
        log.Record(0, 500);
        var tracker = new StoredTracker(log);
        var latencies = new List<double>();

        // The count was read after a reading this log had not yet recorded: only what was published is confirmed.
        tracker.Apply(500, new Dictionary<int, long> { [0] = 2 }, 600, latencies);

        Assert.Equal([100], latencies);
        Assert.Equal(1, tracker.Confirmed);
    }

    [Fact]
    public void Record_SameMillisecond_BumpsTsAndBackdatingKeepsTheWallClockForLatency()
    {
        var log = new PublishLog(stations: 1, readingsPerStation: 3, offsetMs: -7_200_000);

        long a = log.Record(0, 10_000_000), b = log.Record(0, 10_000_000);

        Assert.Equal(10_000_000 - 7_200_000, a);
        Assert.Equal(a + 1, b);
        Assert.Equal(10_000_001, log.PublishedAt(0, 1));
        Assert.Equal(1, log.CountBefore(0, b, log.Published(0)));
    }

    [Fact]
    public void Record_WithAnInterval_MeasuresABufferedBacklogAnIntervalApart_AndKeepsThePublishTimeForLatency()
    {
        // bench/load.sh's backlog: a station that buffered its readings a minute apart while its link was down sends them
        // at once. With ts at the pace of publishing instead (milliseconds apart, two hours behind), the worker's
        // clock-drift check took the whole backlog for a station clock two hours slow and flagged it doubtful.
        var log = new PublishLog(stations: 2, readingsPerStation: 3, offsetMs: -7_200_000, intervalMs: 60_000, originMs: 10_000_000);

        long a = log.Record(0, 10_000_500), b = log.Record(0, 10_000_500), c = log.Record(0, 10_000_501), other = log.Record(1, 10_000_502);

        Assert.Equal([10_000_000 - 7_200_000 - 180_000, 10_000_000 - 7_200_000 - 120_000, 10_000_000 - 7_200_000 - 60_000], new[] { a, b, c });
        Assert.Equal(a, other); // each station's own backlog
        Assert.Equal(10_000_501, log.PublishedAt(0, 2));
        Assert.Equal(2, log.CountBefore(0, c, log.Published(0)));
    }

    [Fact]
    public void CountsByStation_InfluxQlAnswer_ReadsEachLoadStationsCount()
    {
        byte[] body = Encoding.UTF8.GetBytes("""
            {"results":[{"statement_id":0,"series":[
              {"name":"water_level","tags":{"station":"load-wl-00000"},"columns":["time","count"],"values":[["1970-01-01T00:00:00Z",12]]},
              {"name":"water_level","tags":{"station":"load-wl-00017"},"columns":["time","count"],"values":[["1970-01-01T00:00:00Z",3]]},
              {"name":"water_level","tags":{"station":"yd-wl-01"},"columns":["time","count"],"values":[["1970-01-01T00:00:00Z",99]]}]}]}
            """);

        Assert.Equal(new Dictionary<int, long> { [0] = 12, [17] = 3 }, LoadRunner.CountsByStation(body));
        Assert.Empty(LoadRunner.CountsByStation(Encoding.UTF8.GetBytes("""{"results":[{"statement_id":0,"error":"database not found: x"}]}""")));
    }
}
