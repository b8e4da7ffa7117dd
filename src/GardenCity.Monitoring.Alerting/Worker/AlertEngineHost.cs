using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;
using System.Diagnostics;
using System.Text.Json;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Alerting.Partitioning;
using GardenCity.Monitoring.Alerting.Readings;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.FireWeather;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Worker;

/// <summary>
/// The rule engine behind one gate, with its checkpoints. Every input (a message's readings, a tick, an
/// acknowledgement, a rule reload) runs under the gate; its changes go through the <see cref="NotificationPipeline"/>,
/// which has them made durable before anyone is told. Messages are numbered as they are processed; once the full state
/// that includes message <c>n</c> is saved, <see cref="SavedThrough"/> is at least <c>n</c> and the subscription may
/// acknowledge it. The full state is saved every <see cref="AckBatch"/> messages or <see cref="AckInterval"/> (and on a
/// rule reload, at start and at stop); an alert change appends a journal record of the stations it concerns instead
/// (docs/alerting.md, "State: snapshot and journal"). Thread-safe.
/// </summary>
internal sealed class AlertEngineHost : GardenCity.Monitoring.Core.Time.IAlertingWatermark
{
    /// <summary>
    /// At most this many messages wait for the next state save before they are acknowledged. A save writes the whole
    /// state with an fsync: at 64 (until 2026-12-03) it took a third of the worker's CPU at 5,000 readings/s
    /// (bench/README.md, "Alerting: fewer state saves"). It stays well under <see cref="ReceiveMaximum"/>. Alert changes
    /// do not wait for it: they are journaled (<see cref="AlertStateStore.Append"/>).
    /// </summary>
    internal const int AckBatch = 1000;

    /// <summary>
    /// The receive maximum the alerting subscription announces: how many unacknowledged messages the broker may send.
    /// Should a broker grant fewer than <see cref="AckBatch"/>, <see cref="SaveIfWaitingAsync"/> still saves (and so lets
    /// acknowledge) within <see cref="AckInterval"/>, so the stream never waits for the tick.
    /// </summary>
    internal const ushort ReceiveMaximum = 4000;

    /// <summary>At most this long a processed message waits for the next state save before it may be acknowledged.</summary>
    internal static readonly TimeSpan AckInterval = TimeSpan.FromMilliseconds(200);

    private readonly AlertingOptions _options;
    private readonly StationRegistry _registry;
    private readonly NotificationPipeline _pipeline;
    private readonly InfluxReadingReader _reader;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertEngineHost> _logger;
    private readonly AlertingMetrics _metrics;
    private readonly AlertStateStore _store;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly QualityPolicy _quality;
    private readonly FireSeasonOptions? _fireSeason;
    private readonly IAuditLog _audit;
    private readonly InfluxQlClient _query;
    private Func<string, bool>? _owns; // null: every station (one partition)
    private RuleWatcher? _watcher;
    private AlertEngine? _engine;
    private DateTimeOffset _lastSave;
    private long _processed;
    private long _saved;
    private long _watermarkUtcTicks; // 0: none yet; read by the query API without the gate
    private readonly List<CapEntry> _capSinceSave = []; // oldest first: for the CAP log at the next full save

    public AlertEngineHost(IOptions<AlertingOptions> options, StationRegistry registry, NotificationPipeline pipeline, InfluxQlClient query, TimeProvider time, ILogger<AlertEngineHost> logger, AlertingMetrics metrics, IAuditLog audit, QualityPolicy? quality = null, IOptions<FireSeasonOptions>? fireSeason = null)
    {
        _fireSeason = fireSeason?.Value;
        _audit = audit;
        _quality = quality ?? QualityPolicy.None;
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _registry = registry;
        _pipeline = pipeline;
        _reader = new InfluxReadingReader(query, registry);
        _query = query;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _store = new AlertStateStore(_options.StateDirectory);
    }

    /// <summary>The engine's watermark, for the query API's online state (docs/alerting.md, "Clock policy").</summary>
    public DateTimeOffset? Watermark => Interlocked.Read(ref _watermarkUtcTicks) is > 0 and var ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>The rules in force (null before the start), for the query API's geohazard thresholds; read without the gate (the engine swaps the whole set).</summary>
    public RuleSet? RulesInForce => Volatile.Read(ref _engine)?.Rules;

    private void PublishWatermark() => Interlocked.Exchange(ref _watermarkUtcTicks, _engine?.Watermark?.UtcTicks ?? 0);

    /// <summary>Messages up to this number are in the saved state.</summary>
    public long SavedThrough => Interlocked.Read(ref _saved);

    /// <summary>Loads the rules, restores the saved state, refills the windows from InfluxDB and starts the notification pipeline.</summary>
    public async Task StartAsync(CancellationToken stoppingToken)
    {
        RuleSet rules = RuleLoader.LoadDirectory(_options.RulesDirectory, _registry);
        Log.RulesLoaded(_logger, rules.Rules.Count, _options.RulesDirectory);
        _owns = Owns();
        var engine = new AlertEngine(rules, _registry, _options.LatenessHorizon, _options.AbsenceClock, _time.GetUtcNow(), _quality, _fireSeason) { Owns = _owns };
        var inState = new HashSet<string>(StringComparer.Ordinal); // stations and units this worker kept state for
        try
        {
            if (_store.Load() is { } state)
            {
                // The snapshot, then the journal records of alert changes made after it, in order (docs/alerting.md,
                // "State: snapshot and journal").
                inState.UnionWith(state.Journal.Select(r => r.State).Prepend(state.Engine).SelectMany(e => e.Stations.Select(s => s.StationId).Concat(e.Pairs.Select(p => p.StationId))));
                engine.Restore(state.Engine);
                foreach (AlertStateRecord record in state.Journal)
                {
                    engine.RestoreTargets(record.State, record.Targets);
                }

                _pipeline.Cap.Restore(state.Journal.Reverse().SelectMany(r => r.Cap).Concat(state.Cap ?? []).DistinctBy(e => e.Identifier, StringComparer.Ordinal));
                if (state.Journal.Count > 0)
                {
                    Log.JournalRestored(_logger, state.Journal.Count, _store.JournalPath);
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or NotSupportedException)
        {
            Log.StateUnreadable(_logger, _store.Path, ex.Message);
        }

        IReadOnlyList<Reading> primed = [];
        if (_options.PrimeFromInflux)
        {
            primed = await PrimeAsync(engine, stoppingToken).ConfigureAwait(false);
        }

        if (_owns is not null)
        {
            await TakeOverAsync(engine, inState, primed, stoppingToken).ConfigureAwait(false);
        }

        _engine = engine;
        PublishWatermark();
        Save(force: true, withCap: true); // a checkpoint of what was restored; the journal starts afresh
        // In the trail, so that each start shows there; also the trail's first write of the run, which
        // the first alert would otherwise pay for (docs/alerting.md, "The first alert after a start").
        _audit.Record(new AuditEntry(_time.GetUtcNow(), AuditKinds.AlertingStarted, AuditEntry.System, null, _options.RulesDirectory,
            $"{rules.Rules.Count} rules in force; {engine.ActiveCount} alerts in force taken up from the saved state"));
        _pipeline.Start(stoppingToken);
        WarmUp(engine);
        _watcher = new RuleWatcher(_options.RulesDirectory);
    }

    /// <summary>Readies the alert path before the first message (<see cref="AlertPathWarmUp"/>); before the subscription starts, so it holds no gate.</summary>
    private void WarmUp(AlertEngine engine)
    {
        if (!_options.WarmUp)
        {
            return;
        }

        long started = Stopwatch.GetTimestamp();
        try
        {
            int compiled = AlertPathWarmUp.Compile(_pipeline.DutyEnabled, _options.PublishMqtt);
            DateTimeOffset now = _time.GetUtcNow();
            IReadOnlyList<AlertChange> specimens = engine.Specimens(now);
            if (specimens.Count > 0)
            {
                AlertChange specimen = specimens[^1];
                // The state of a scratch engine with the made-up alert in force: its snapshot has what a real one has (a
                // pair, its alert and levels), so that writing the first journal record and full save after it finds
                // their JSON metadata built too.
                var scratch = new AlertEngine(engine.Rules, _registry, _options.LatenessHorizon, _options.AbsenceClock, now, _quality, _fireSeason);
                scratch.Adopt(specimen.Alert);
                AlertPathWarmUp.Render(specimens, _pipeline, scratch.SnapshotOf([specimen.Station.Id], out _), scratch.Snapshot());
            }

            Log.WarmedUp(_logger, compiled, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Only a speed-up: the worker starts without it, and the first alert compiles what it needs.
            Log.WarmUpFailed(_logger, ex);
        }
    }

    /// <summary>Evaluates one message's readings; returns the message's number (see <see cref="SavedThrough"/>).</summary>
    public async Task<long> ProcessAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readings);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ReloadIfRequested();
            var changes = new List<AlertChange>();
            var fwi = new List<FwiDay>();
            var geohazard = new List<GeohazardHour>();
            int evaluated = 0;
            var stations = new HashSet<string>(StringComparer.Ordinal);
            foreach (Reading reading in readings)
            {
                if (_owns?.Invoke(reading.Station.Id) == false)
                {
                    _engine!.Observe(reading.Timestamp, _time.GetUtcNow()); // another partition's: only the watermark
                    continue;
                }

                evaluated++;
                stations.Add(reading.Station.Id);
                EngineOutput output = _engine!.Process(reading, _time.GetUtcNow());
                changes.AddRange(output.Changes);
                fwi.AddRange(output.FireWeather);
                geohazard.AddRange(output.Geohazard);
            }

            _metrics.Readings(evaluated);
            AlertingTracing.Changes(changes);
            PublishWatermark();
            long number = ++_processed;
            Record(changes, fwi, geohazard, stations);
            if (_processed - _saved >= AckBatch || _time.GetUtcNow() - _lastSave >= AckInterval)
            {
                Save(force: true);
            }

            return number;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Saves the state if a processed message has waited for a save at least <see cref="AckInterval"/>; returns whether
    /// there is something new to acknowledge. Called every <see cref="AckInterval"/> by the subscription.
    /// </summary>
    public async Task<bool> SaveIfWaitingAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Read(ref _processed) == Interlocked.Read(ref _saved))
        {
            return false;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_processed > _saved && _time.GetUtcNow() - _lastSave >= AckInterval)
            {
                Save(force: true);
            }

            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Judges absence (and reloads changed rules); saves what waits to be acknowledged.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ReloadIfRequested();
            Record(_engine!.Tick(_time.GetUtcNow()), []);
            var active = _engine.Active.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
            _pipeline.ReleaseSilenced(active.Contains); // silences that ended: tell people of the alerts still active
            Save(force: _processed > _saved);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Alerts in force, each as the notification of its latest change.</summary>
    public async Task<IReadOnlyList<AlertNotification>> ActiveAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_engine is not { } engine)
            {
                return [];
            }

            var rules = engine.Rules.Rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
            var active = new List<AlertNotification>();
            foreach (Alert alert in engine.Active)
            {
                if (rules.TryGetValue(alert.RuleId, out Rule? rule) && engine.TryGetTarget(alert.StationId, out Station? station)) // a station, or a hazard unit
                {
                    active.Add(alert.ToNotification(rule, station));
                }
            }

            return active;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Acknowledges an active alert on behalf of <paramref name="by"/>; null when no active alert has that id.</summary>
    public async Task<AlertNotification?> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_engine?.Acknowledge(alertId, by, _time.GetUtcNow()) is not { } change)
            {
                return null;
            }

            Record([change], []);
            return change.ToNotification();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes an active alert on behalf of <paramref name="by"/> with a reason; null when no active alert has that id.</summary>
    public async Task<AlertNotification?> CloseAsync(string alertId, string by, string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_engine?.Close(alertId, by, reason, _time.GetUtcNow()) is not { } change)
            {
                return null;
            }

            Record([change], []);
            return change.ToNotification();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Saves the state a last time and lets the notification pipeline drain.</summary>
    public async Task StopAsync()
    {
        _watcher?.Dispose();
        await _pipeline.StopAsync().ConfigureAwait(false);
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            Save(force: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Under the gate. Before anyone is told, the changes are made durable: by a journal record of the stations the
    /// message's readings came from and the alert targets of the changes (with their hazard units), or, for a rule
    /// reload (<paramref name="fullSave"/>), by a full save.
    /// </summary>
    private void Record(IReadOnlyList<AlertChange> changes, IReadOnlyList<FwiDay> fwi, IReadOnlyList<GeohazardHour>? geohazard = null, IReadOnlyCollection<string>? stations = null, bool fullSave = false) =>
        _pipeline.Record(changes, fwi, _engine!.ActiveCount, fullSave ? () => Save(force: true) : () => Journal(changes, stations ?? []), geohazard);

    /// <summary>Appends the journal record of an alert change (docs/alerting.md, "State: snapshot and journal"). Under the gate.</summary>
    private void Journal(IReadOnlyList<AlertChange> changes, IReadOnlyCollection<string> stations)
    {
        EngineSnapshot part = _engine!.SnapshotOf(stations.Concat(changes.Select(c => c.Alert.StationId)), out IReadOnlyList<string> targets);
        IReadOnlyList<CapEntry> cap = _pipeline.TakeCapAdded();
        _store.Append(targets, part, cap);
        _capSinceSave.AddRange(cap.Reverse());
    }

    /// <summary>
    /// Saves the whole engine state and empties the journal; every message processed so far may then be acknowledged.
    /// The CAP messages added since the last save go to the CAP log; the whole feed is written instead with
    /// <paramref name="withCap"/> (at start) or once the log holds <see cref="CapFeed.Capacity"/> messages. Under the gate.
    /// </summary>
    private void Save(bool force, bool withCap = false)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (_engine is null || (!force && now - _lastSave < TimeSpan.FromSeconds(10)))
        {
            return;
        }

        _capSinceSave.AddRange(_pipeline.TakeCapAdded().Reverse()); // of changes saved this way (a rule reload), not journaled
        bool compact = !withCap && _store.CapLogged + _capSinceSave.Count >= CapFeed.Capacity; // in the background
        _store.Save(new AlertingState(_engine.Snapshot(), withCap ? _pipeline.Cap.Entries : null)
        {
            CapAdded = withCap ? [] : [.. _capSinceSave],
            CapToCompact = compact ? _pipeline.Cap.Entries : null,
        });
        _capSinceSave.Clear();
        _engine.Checkpointed();
        _lastSave = now;
        Interlocked.Exchange(ref _saved, _processed);
    }

    /// <summary>Reloads the rules if a file changed; under the gate (on the next message or tick).</summary>
    private void ReloadIfRequested()
    {
        if (_watcher?.TakeRequest() != true)
        {
            return;
        }

        try
        {
            RuleSet rules = RuleLoader.LoadDirectory(_options.RulesDirectory, _registry);
            IReadOnlyList<AlertChange> changes = _engine!.ReplaceRules(rules, _time.GetUtcNow());
            Log.RulesLoaded(_logger, rules.Rules.Count, _options.RulesDirectory);
            _audit.Record(new AuditEntry(_time.GetUtcNow(), AuditKinds.RulesReloaded, AuditEntry.System, null, _options.RulesDirectory,
                $"{rules.Rules.Count} rules in force: {string.Join(", ", rules.Rules.Select(r => r.Id))}"));
            Record(changes, [], fullSave: true);
            if (changes.Count == 0)
            {
                Save(force: true); // every pair's condition memory restarted: a full checkpoint under the new rules
            }
        }
        catch (RuleFileException ex)
        {
            Log.RulesRefused(_logger, ex.Message);
            _audit.Record(new AuditEntry(_time.GetUtcNow(), AuditKinds.RulesRefused, AuditEntry.System, null, _options.RulesDirectory, "the rules in force stay: " + ex.Message));
        }
    }

    /// <summary>Refills the windows of the stations this worker evaluates; returns the readings it took.</summary>
    private async Task<IReadOnlyList<Reading>> PrimeAsync(AlertEngine engine, CancellationToken cancellationToken)
    {
        DateTimeOffset to = engine.Watermark ?? _time.GetUtcNow();
        DateTimeOffset from = to - engine.HistoryNeeded;
        try
        {
            IReadOnlyList<Reading> readings = await _reader.ReadAsync(from, to, cancellationToken).ConfigureAwait(false);
            if (_owns is { } owns)
            {
                readings = [.. readings.Where(r => owns(r.Station.Id))];
            }

            foreach (Reading reading in readings)
            {
                engine.Prime(reading);
            }

            Log.Primed(_logger, readings.Count, from, to);
            return readings;
        }
        catch (InvalidOperationException ex) when (InfluxQlClient.IsDatabaseNotFound(ex))
        {
            Log.Primed(_logger, 0, from, to); // a fresh installation: nothing stored yet
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.PrimeFailed(_logger, ex);
        }

        return [];
    }

    /// <summary>
    /// The stations this worker evaluates (docs/scale-out.md, "Alerting partitions"): null with one partition owned
    /// whole (every station, as before partitions existed).
    /// </summary>
    private Func<string, bool>? Owns()
    {
        IReadOnlySet<int> owned = OwnedPartitions.Parse(_options.OwnedPartitions, _options.Partitions, out string? error)
            ?? throw new InvalidOperationException(error); // validated at start: not reached
        if (_options.Partitions == 1 && owned.Contains(0))
        {
            return null;
        }

        var map = AlertingPartitionMap.Create(_registry, _options.Partitions);
        string[] groups = [.. map.Groups.Where(g => owned.Contains(g.Partition)).Select(g => g.Key)];
        Log.PartitionsOwned(_logger, OwnedPartitions.Describe(owned), _options.Partitions, groups.Length, string.Join(", ", groups));
        return id => owned.Contains(map.PartitionOf(id));
    }

    /// <summary>
    /// Takes over the incidents in force at the stations this worker evaluates and kept no state for (a partition
    /// handed over to it): each is read back from the alert history and goes on with its id and revision, its levels
    /// judged again over the refilled readings. Stations it kept state for are left as saved (their history may lag
    /// behind the state after a crash). An unreadable history is logged: the worker then starts without them.
    /// </summary>
    private async Task TakeOverAsync(AlertEngine engine, HashSet<string> inState, IReadOnlyList<Reading> primed, CancellationToken cancellationToken)
    {
        try
        {
            IReadOnlyList<Alert> alerts = await new ActiveAlertHistoryReader(_query).ReadAsync(engine.Watermark ?? _time.GetUtcNow(), id => _owns!(id) && !inState.Contains(id), cancellationToken).ConfigureAwait(false);
            ILookup<string, DateTimeOffset> times = primed.ToLookup(r => r.Station.Id, r => r.Timestamp, StringComparer.Ordinal);
            int adopted = 0;
            foreach (Alert alert in alerts)
            {
                if (engine.Adopt(alert, times[alert.StationId]))
                {
                    adopted++;
                    Log.AlertTakenOver(_logger, alert.Id, alert.Revision, alert.Severity.ToName());
                }
            }

            Log.TookOver(_logger, adopted, alerts.Count);
        }
        catch (InvalidOperationException ex) when (InfluxQlClient.IsDatabaseNotFound(ex))
        {
            Log.TookOver(_logger, 0, 0); // nothing stored yet
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.TakeOverFailed(_logger, ex);
        }
    }
}
