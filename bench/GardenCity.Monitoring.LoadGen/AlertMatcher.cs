using System.Text.Json;

namespace GardenCity.Monitoring.LoadGen;

/// <summary>
/// Publish → alert. Every alert notification on <c>gc/v1/alerts/#</c> (docs/alerting.md, "Notifications") is counted
/// as live, or as late when its <c>transition</c> is <c>late</c> (data behind the lateness horizon: a notice, never a
/// live alert). A live <c>flood-level</c> notification is matched to the crossing reading that raised it by station
/// and value (each crossing value is unique, <see cref="LoadPlan"/>); its latency is the time it arrived minus the time
/// that reading was published. Retained messages delivered on subscribing and empty ones (a cleared topic) are not
/// notifications of this run and are skipped by the caller or here.
/// </summary>
internal sealed class AlertMatcher
{
    /// <summary>The shipped rule the crossings are made for (deploy/rules/flood.yaml).</summary>
    public const string RuleId = "flood-level";

    private readonly PublishLog _log;
    private readonly Dictionary<(string Station, long MilliMetres), (int Station, int Reading)> _expected = [];
    private readonly HashSet<(int Station, int Reading)> _matched = [];
    private readonly object _gate = new();

    /// <summary>A matcher for the crossings of <paramref name="plan"/>.</summary>
    public AlertMatcher(LoadPlan plan, PublishLog log)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _log = log;
        foreach ((int station, int reading, double value) in plan.Crossings())
        {
            _expected[(LoadPlan.StationId(station), Key(value))] = (station, reading);
        }
    }

    /// <summary>Crossing notifications the plan expects.</summary>
    public int Expected => _expected.Count;

    /// <summary>Notifications whose transition is not <c>late</c>.</summary>
    public int Live { get; private set; }

    /// <summary>Notifications whose transition is <c>late</c>.</summary>
    public int Late { get; private set; }

    /// <summary>Live notifications matched to a crossing reading.</summary>
    public int Matched => _matched.Count;

    /// <summary>Live notifications that match no crossing (other rules, or a repeat of a matched one).</summary>
    public int Unmatched { get; private set; }

    /// <summary>Latency of each matched notification, ms.</summary>
    public List<double> Latencies { get; } = [];

    /// <summary>Arrival time (ms) of each matched notification, in the order of <see cref="Latencies"/>.</summary>
    public List<long> Arrivals { get; } = [];

    /// <summary>
    /// The matched notifications' latency percentiles and the <paramref name="count"/> slowest, slowest first, with when
    /// each arrived and which arrival it was (1 = first): for lining them up with what else happened then (bench/load.sh's
    /// disk probe). One snapshot, taken under the matcher's lock: the alert subscription may still be delivering.
    /// </summary>
    public (LatencySummary Latency, IReadOnlyList<SlowAlert> Slowest) Summarise(int count)
    {
        lock (_gate)
        {
            return (LatencySummary.Of(Latencies), SlowestUnlocked(count));
        }
    }

    /// <summary>The slowest matched notifications: latency, seconds after <paramref name="startMs"/>, and which arrival it was (1 = first).</summary>
    public string Slowest(long startMs, int count)
    {
        lock (_gate)
        {
            return string.Join("; ", SlowestUnlocked(count)
                .Select(a => $"{a.LatencyMs:0} ms at +{(a.ArrivedAtMs - startMs) / 1000.0:0.0} s (arrival {a.Arrival} of {Latencies.Count})"));
        }
    }

    /// <summary>The <paramref name="count"/> slowest matched notifications, slowest first; the caller holds the lock.</summary>
    private List<SlowAlert> SlowestUnlocked(int count) =>
        [.. Latencies.Select((latency, i) => new SlowAlert(latency, Arrivals[i], i + 1)).OrderByDescending(a => a.LatencyMs).Take(count)];

    /// <summary>Counts and, when it is a crossing's, times one notification that arrived at <paramref name="receivedMs"/>.</summary>
    public void Observe(ReadOnlySpan<byte> payload, long receivedMs)
    {
        if (payload.IsEmpty)
        {
            return;
        }

        string? transition, rule, station;
        double? value = null;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(payload.ToArray());
            JsonElement root = doc.RootElement;
            transition = root.TryGetProperty("transition", out JsonElement t) ? t.GetString() : null;
            rule = root.TryGetProperty("rule_id", out JsonElement r) ? r.GetString() : null;
            station = root.TryGetProperty("station_id", out JsonElement st) ? st.GetString() : null;
            if (root.TryGetProperty("value", out JsonElement v) && v.ValueKind == JsonValueKind.Number)
            {
                value = v.GetDouble();
            }
        }
        catch (JsonException)
        {
            lock (_gate)
            {
                Unmatched++;
            }

            return;
        }

        lock (_gate)
        {
            if (transition == "late")
            {
                Late++;
                return;
            }

            Live++;
            if (rule == RuleId && station is not null && value is { } v
                && _expected.TryGetValue((station, Key(v)), out (int Station, int Reading) reading)
                && reading.Reading < _log.Published(reading.Station) && _matched.Add(reading))
            {
                Latencies.Add(receivedMs - _log.PublishedAt(reading.Station, reading.Reading));
                Arrivals.Add(receivedMs);
                return;
            }

            Unmatched++;
        }
    }

    private static long Key(double value) => (long)Math.Round(value * 1000);
}
