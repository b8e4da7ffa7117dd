using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Benchmarks;

/// <summary>
/// What the alerting worker writes to its state folder in the <c>alerting</c> case of bench/load.sh: 200 water-level
/// gauges (warning level 3.0 m, guaranteed 4.5 m, as gardencity-load writes them) with all shipped rules, 30 s at
/// 5,000 readings/s (750 readings per gauge, 40 ms apart), the first 50 gauges crossing the four flood levels once.
/// The setup runs that load through the engine and prints how many alert changes it made and how many messages
/// carried one (each forced a state save); the benchmarks time the writes of the state it ends with, on the real
/// file system (fsync included). bench/README.md, "Alerting: the forced save".
/// </summary>
[MemoryDiagnoser]
public class AlertStateSaveBenchmarks
{
    private const int Gauges = 200;
    private const int AlertGauges = 50;
    private const int ReadingsPerGauge = 750;
    private static readonly double[] Crossings = [2.801, 3.101, 3.601, 4.551];
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 0, 0, 0, TimeSpan.Zero);
    private const string Hash = "pbkdf2-sha256$100000$MjcyOGU5NGQ0MjgzOWYwM2VlNTNmYzdlOTkzZTA3MGM=$Gc+OJ+hhrE7jOabqIpqNCViLwiBI1vKxmtGKL2A/TMU="; // not used: no broker here
    private string _directory = null!;
    private AlertEngine _engine = null!;
    private EngineSnapshot _snapshot = null!;
    private List<CapEntry> _cap = [];
    private AlertStateStore _store = null!;
    private AlertChange _change = null!;
    private Outbox _outbox = null!;
    private int _n;
    private int _saves;

    /// <summary>Runs the load through the engine and keeps its end state, CAP feed and one alert change.</summary>
    [GlobalSetup]
    public void Setup()
    {
        StationRegistry registry = StationRegistryLoader.Load(Registry(), "bench-stations.yaml");
        RuleSet rules = RuleLoader.LoadDirectory(Path.Combine(AppContext.BaseDirectory, "rules"), registry);
        _engine = new AlertEngine(rules, registry, TimeSpan.FromHours(1), AbsenceClock.WallClock, Start, QualityPolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "quality.yaml"), registry));
        var feed = new CapFeed();
        int changes = 0, messagesWithChange = 0, emergency = 0;
        var byRule = new Dictionary<string, int>(StringComparer.Ordinal);
        Station[] stations = [.. registry.Stations];
        for (int k = 0; k < ReadingsPerGauge; k++)
        {
            for (int s = 0; s < Gauges; s++)
            {
                DateTimeOffset ts = Start.AddMilliseconds(k * 40 + s * 0.2);
                var reading = new TelemetryReading(stations[s], ts, k + 1, new Dictionary<string, double>(StringComparer.Ordinal) { ["water_level_m"] = Value(s, k) });
                IReadOnlyList<AlertChange> output = _engine.Process(reading, ts.AddMilliseconds(20)).Changes;
                if (output.Count == 0)
                {
                    continue;
                }

                messagesWithChange++;
                foreach (AlertChange change in output)
                {
                    changes++;
                    byRule[change.Alert.RuleId] = byRule.GetValueOrDefault(change.Alert.RuleId) + 1;
                    if (feed.Add(change, new CapOptions(), new DashboardOptions(), ts) is not null)
                    {
                        emergency++;
                    }

                    _change = change;
                }
            }
        }

        _snapshot = _engine.Snapshot();
        _cap = [.. feed.Entries];
        _directory = Directory.CreateTempSubdirectory("gc-bench-state-").FullName;
        _store = new AlertStateStore(_directory);
        _store.Save(new AlertingState(_snapshot, _cap)); // the journal follows a full save
        _engine.Checkpointed();
        _outbox = new Outbox(Path.Combine(_directory, "outbox"));
        int stateBytes = JsonSerializer.SerializeToUtf8Bytes(_snapshot).Length;
        int capBytes = JsonSerializer.SerializeToUtf8Bytes(_cap).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// load: {Gauges * ReadingsPerGauge:N0} readings, {changes} alert changes ({string.Join(", ", byRule.Select(r => $"{r.Key} {r.Value}"))}) in {messagesWithChange} messages (forced saves), {emergency} with a CAP message; state.json {stateBytes:N0} bytes ({_snapshot.Stations.Count} stations, {_snapshot.Pairs.Count} pairs), cap.json {capBytes:N0} bytes ({_cap.Count} messages)"));
    }

    /// <summary>Removes the state folder.</summary>
    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>The engine's snapshot in memory (under the gate today).</summary>
    [Benchmark]
    public EngineSnapshot Snapshot() => _engine.Snapshot();

    /// <summary>The snapshot serialised, no disk.</summary>
    [Benchmark]
    public int SerialiseState() => JsonSerializer.SerializeToUtf8Bytes(_engine.Snapshot()).Length;

    /// <summary>The periodic save: state.json (temporary file, fsync, rename; the journal emptied).</summary>
    [Benchmark]
    public void SaveState() => _store.Save(new AlertingState(_engine.Snapshot(), null));

    /// <summary>
    /// The forced save after an emergency alert change until 2026-12-03 (and the periodic save whenever the feed had
    /// changed): cap.json (the whole feed) and state.json, each with an fsync.
    /// </summary>
    [Benchmark]
    public void SaveStateAndCap() => _store.Save(new AlertingState(_engine.Snapshot(), _cap));

    /// <summary>
    /// The periodic save now, after an emergency change: state.json, and the change's CAP message appended to the CAP
    /// log (one small fsync) instead of cap.json rewritten. The log is emptied every 100 saves here (at 500 messages in
    /// the worker, when cap.json is rewritten).
    /// </summary>
    [Benchmark]
    public void SaveStateAndCapLog()
    {
        if (++_saves % 100 == 0)
        {
            File.Delete(_store.CapLogPath);
        }

        _store.Save(new AlertingState(_engine.Snapshot(), null) { CapAdded = [_cap[0]] });
    }

    /// <summary>
    /// What an alert change writes now instead of the forced save: the journal record of its station (the station, its
    /// pairs, the readings judged since the last full save) with its CAP message, appended with an fsync. The journal
    /// is emptied every fourth record, as the full saves do in the load (a save every 200 ms, about 13 changes a second).
    /// </summary>
    [Benchmark]
    public void JournalRecord()
    {
        if (++_n % 4 == 0)
        {
            File.Delete(_store.JournalPath);
        }

        EngineSnapshot part = _engine.SnapshotOf([_change.Alert.StationId], out IReadOnlyList<string> targets);
        _store.Append(targets, part, [_cap[0]]);
    }

    /// <summary>One notification added to the outbox (append, fsync): the floor of a durable write.</summary>
    [Benchmark]
    public void OutboxAdd()
    {
        AlertNotification n = _change.ToNotification() with { NotificationId = "bench#" + (++_n).ToString(CultureInfo.InvariantCulture) };
        _outbox.Add([("mqtt", n)]);
        _outbox.Done("mqtt", n.NotificationId);
    }

    private static double Value(int station, int k)
    {
        int c = ReadingsPerGauge / 4 + station * (ReadingsPerGauge / 2) / AlertGauges;
        if (station < AlertGauges && k >= c)
        {
            return k < c + Crossings.Length ? Crossings[k - c] : 4.600 + (k % 20) / 1000.0;
        }

        return 2.00 + ((k * 7 + station) % 50) / 100.0;
    }

    private static string Registry()
    {
        var yaml = new StringBuilder("version: 1\nsites:\n  - { id: yongding-gorge, zh: 永定河山峡段, en: Yongding River gorge }\nstations:\n");
        for (int s = 0; s < Gauges; s++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{ id: load-wl-{s:D5}, kind: water-level, name: {{ zh: \"负载水位站{s}\", en: \"load gauge {s}\" }}, site: yongding-gorge, lat: 39.95, lon: 115.86, elevation_m: 300, watershed: yongding, warning_level_m: 3.0, guaranteed_level_m: 4.5, password_hash: \"{Hash}\" }}\n");
        }

        return yaml.ToString();
    }
}
