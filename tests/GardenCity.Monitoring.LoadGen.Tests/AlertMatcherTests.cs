using System.Text;
using GardenCity.Monitoring.LoadGen;

namespace GardenCity.Monitoring.LoadGen.Tests;

/// <summary>Publish → alert: notifications matched to the crossing readings of the plan.</summary>
public sealed class AlertMatcherTests
{
    private static byte[] Notification(string transition, string rule, string station, double value) => Encoding.UTF8.GetBytes(
        $$"""{"notification_id":"x","transition":"{{transition}}","rule_id":"{{rule}}","station_id":"{{station}}","severity":"blue","value":{{value.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"threshold":2.7}""");

    [Fact]
    public void Observe_CrossingNotifications_MatchedByStationAndValueAndTimedFromTheirReading()
    {
        var plan = new LoadPlan(stations: 3, readingsPerStation: 40, alertStations: 2);
        var log = new PublishLog(3, 40, offsetMs: 0);
        for (int k = 0; k < 40; k++)
        {
            for (int s = 0; s < 3; s++)
            {
                log.Record(s, 1_000 + (k * 10) + s);
            }
        }

        var matcher = new AlertMatcher(plan, log);
        int c1 = plan.CrossingStart(1);

        matcher.Observe(Notification("escalated", "flood-level", "load-wl-00001", 3.101), receivedMs: 5_000);
        matcher.Observe(Notification("escalated", "flood-level", "load-wl-00001", 3.101), receivedMs: 5_100); // a repeat
        matcher.Observe(Notification("raised", "flood-fast-rise", "load-wl-00001", 3.101), receivedMs: 5_200); // another rule
        matcher.Observe(Notification("late", "flood-level", "load-wl-00000", 2.801), receivedMs: 5_300);
        matcher.Observe([], receivedMs: 5_400); // a cleared retained topic

        Assert.Equal(8, matcher.Expected);
        Assert.Equal(1, matcher.Matched);
        Assert.Equal(3, matcher.Live);
        Assert.Equal(1, matcher.Late);
        Assert.Equal(2, matcher.Unmatched);
        // The yellow crossing is the second of station 1's four: reading c1 + 1, published at 1000 + 10 (c1 + 1) + 1.
        Assert.Equal([5_000 - (1_000 + (10 * (c1 + 1)) + 1)], matcher.Latencies);
    }

    [Fact]
    public void Summarise_SlowestFirst_WithWhenTheyArrivedAndWhichArrivalTheyWere()
    {
        var plan = new LoadPlan(stations: 2, readingsPerStation: 40, alertStations: 2);
        var log = new PublishLog(2, 40, offsetMs: 0);
        for (int k = 0; k < 40; k++)
        {
            log.Record(0, 1_000 + (k * 10));
            log.Record(1, 1_000 + (k * 10) + 5);
        }

        var matcher = new AlertMatcher(plan, log);
        int c0 = plan.CrossingStart(0), c1 = plan.CrossingStart(1);
        matcher.Observe(Notification("raised", "flood-level", "load-wl-00000", 2.801), receivedMs: 1_000 + (10 * c0) + 20); // 20 ms
        matcher.Observe(Notification("raised", "flood-level", "load-wl-00001", 2.801), receivedMs: 1_000 + (10 * c1) + 5 + 700); // 700 ms
        matcher.Observe(Notification("escalated", "flood-level", "load-wl-00000", 3.101), receivedMs: 1_000 + (10 * (c0 + 1)) + 90); // 90 ms

        _ = LatencySummary.Of(matcher.Latencies); // summarised before: sorting the latencies in place once paired them with other arrivals

        (LatencySummary latency, IReadOnlyList<SlowAlert> slowest) = matcher.Summarise(2);
        Assert.Equal([new SlowAlert(700, 1_000 + (10 * c1) + 705, 2), new SlowAlert(90, 1_000 + (10 * (c0 + 1)) + 90, 3)], slowest);
        Assert.Equal(new LatencySummary(3, 90, 700, 700, 700), latency);
    }

    [Fact]
    public void Plan_CrossingValues_AppearOnlyAtTheCrossingsAndNoStepReachesTheRateLimit()
    {
        var plan = new LoadPlan(stations: 7, readingsPerStation: 200, alertStations: 3);
        var crossings = plan.Crossings().ToHashSet();

        for (int s = 0; s < plan.Stations; s++)
        {
            for (int k = 0; k < plan.ReadingsPerStation; k++)
            {
                double v = plan.Value(s, k);
                Assert.Equal(crossings.Contains((s, k, v)), LoadPlan.CrossingValues.Contains(v));
                Assert.True(s < plan.AlertStations || v < 2.7, $"station {s} reading {k}: {v} reaches the blue level");
                Assert.True(k == 0 || Math.Abs(v - plan.Value(s, k - 1)) < 1.0, $"station {s} reading {k}: a step of 1 m or more");
            }
        }

        Assert.Equal(12, crossings.Count);
    }
}
