using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Alerting.Audit;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Benchmarks;

/// <summary>
/// What one alert change writes to the disk before anyone is told (<c>NotificationPipeline.Record</c> with the bench's
/// settings and one change: history spool, audit trail and outbox, each appended and flushed to the disk, then the
/// state journal's record, also flushed), beside one flush alone. The delivery's outbox mark and the journal's emptying
/// are outside the timing. One change per invocation, so with <c>--invocationCount 1
/// --unrollFactor 1 --outliers DontRemove</c> the percentile columns are those of single alert changes: what the disk's
/// flushes cost the alert path, tail included. bench/README.md, "Alerting: the disk under the alert path".
/// </summary>
[Config(typeof(Tails))]
public class AlertPathWritesBenchmarks : IDisposable
{
    private string _directory = null!;
    private AlertEngine _engine = null!;
    private AlertChange _change = null!;
    private FileSpool _history = null!;
    private AuditFileStore _audit = null!;
    private Outbox _outbox = null!;
    private AlertStateStore _store = null!;
    private readonly byte[] _probe = new byte[200];
    private int _n;
    private string? _delivered;

    /// <summary>One water-level gauge raised to blue by the shipped rules; empty stores in a fresh folder.</summary>
    [GlobalSetup]
    public void Setup()
    {
        StationRegistry registry = Fleet.Registry;
        Station gauge = Fleet.Gauges.First(s => s.WarningLevelM is not null);
        RuleSet rules = RuleLoader.LoadDirectory(Path.Combine(AppContext.BaseDirectory, "rules"), registry);
        DateTimeOffset t = new(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);
        _engine = new AlertEngine(rules, registry, TimeSpan.FromHours(1), AbsenceClock.WallClock, t, Fleet.Quality);
        for (int k = 0; _change is null && k < 100; k++)
        {
            var reading = new TelemetryReading(gauge, t.AddMinutes(k), k + 1, new Dictionary<string, double>(StringComparer.Ordinal) { ["water_level_m"] = (double)gauge.WarningLevelM! + k / 10.0 });
            _change = _engine.Process(reading, t.AddMinutes(k)).Changes is [var first, ..] ? first : null!;
        }

        ArgumentNullException.ThrowIfNull(_change, "no alert change from the shipped rules");
        _directory = Directory.CreateTempSubdirectory("gc-bench-alert-writes-").FullName;
        _history = new FileSpool(Options.Create(new SpoolOptions { Directory = Path.Combine(_directory, "history"), MaxBytes = long.MaxValue }), NullLogger<FileSpool>.Instance);
        _audit = new AuditFileStore(Path.Combine(_directory, "audit"));
        _outbox = new Outbox(_directory);
        _store = new AlertStateStore(_directory);
        _store.Save(new AlertingState(_engine.Snapshot(), null)); // the journal follows a full save
        _engine.Checkpointed();
        _outbox.Add([("mqtt", _change.ToNotification() with { NotificationId = "bench#pending" })]); // never delivered: no compaction
    }

    /// <summary>Removes the folder.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Closes the history spool.</summary>
    public void Dispose()
    {
        _history?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The disk's floor: one line appended to a file and flushed to the disk, as each of the stores does.</summary>
    [Benchmark(Baseline = true)]
    public void OneFlush()
    {
        using var stream = new FileStream(Path.Combine(_directory, "probe.jsonl"), FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(_probe);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>One alert change: history spool, audit trail and outbox, one after the other, then the journal record.</summary>
    [Benchmark]
    public void AlertChange()
    {
        AlertNotification n = _change.ToNotification() with { NotificationId = $"bench#{++_n}" };
        _history.Append(AlertHistory.Line(_change), 1);
        _audit.Record(AuditTrail.Change(_change, DateTimeOffset.UtcNow));
        _outbox.Add([("mqtt", n)]);
        EngineSnapshot part = _engine.SnapshotOf([_change.Alert.StationId], out IReadOnlyList<string> targets);
        _store.Append(targets, part, []);
        _delivered = n.NotificationId;
    }

    /// <summary>
    /// Untimed, after each invocation: the notification delivered (one older one stays pending, so the outbox is never
    /// empty and never compacted here: a compaction is a flush of its own), and the journal emptied every 64 records,
    /// as the worker's full saves do.
    /// </summary>
    [IterationCleanup(Target = nameof(AlertChange))]
    public void Delivered()
    {
        if (_delivered is { } id)
        {
            _outbox.Done("mqtt", id);
            _delivered = null;
        }

        if (_n % 64 == 0)
        {
            File.Delete(_store.JournalPath);
        }
    }

    private sealed class Tails : ManualConfig
    {
        public Tails() => AddColumn(StatisticColumn.Median, StatisticColumn.P90, StatisticColumn.P95, StatisticColumn.Max);
    }
}
