using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using GardenCity.Monitoring.Alerting.Audit;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Alerting.Worker;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace GardenCity.Monitoring.Alerting.Tests.Worker;

/// <summary>
/// The alerting worker's state across crashes (docs/alerting.md, "State: snapshot and journal"): real
/// <see cref="AlertEngineHost"/>s from the service registration on one state folder on disk, a real webhook receiver on
/// loopback that records who is told. A crash is a host abandoned without <see cref="AlertEngineHost.StopAsync"/>; the
/// next host gets the messages the broker would redeliver — every one numbered above the first host's
/// <see cref="AlertEngineHost.SavedThrough"/> (never acknowledged), in order. The clock is a fake one that only moves
/// when a test moves it, so a full save happens only where a test makes it (200 ms after the last one, on the next
/// message).
/// </summary>
public sealed class AlertStateJournalTests : IAsyncDisposable
{
    private const string Gauge = "qs-wl-01";
    private static readonly DateTimeOffset T0 = new(2024, 8, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly string _root = Directory.CreateTempSubdirectory("gc-alert-journal-").FullName;
    private readonly Receiver _receiver = new();
    private readonly List<(ServiceProvider Provider, CancellationTokenSource Stop)> _hosts = [];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));

    public AlertStateJournalTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "rules"));
        File.WriteAllText(Path.Combine(_root, "rules", "river.yaml"), """
            rules:
              - id: river-level
                name: { zh: 河道水位, en: River level }
                audience: emergency
                category: Geo
                watch: { kinds: [water-level], stations: [qs-wl-01] }
                cooldown: 10m
                levels:
                  - severity: blue
                    when: { threshold: { field: water_level_m, at_least: 1 } }
                  - severity: yellow
                    when: { threshold: { field: water_level_m, at_least: 2 } }
                  - severity: orange
                    when: { threshold: { field: water_level_m, at_least: 3 } }
                  - severity: red
                    when: { threshold: { field: water_level_m, at_least: 4 } }
                message: { zh: "{station_zh} 水位 {value:0.0} 米", en: "{station_en} level {value:0.0} m" }
            """);
    }

    private string StateDirectory => Path.Combine(_root, "state");

    private string JournalPath => Path.Combine(StateDirectory, "state.journal.jsonl");

    [Fact]
    public async Task AlertChange_IsJournaledForItsStationOnly_TheFullStateIsNotRewrittenAndANewHostHasIt()
    {
        // Issue 17: every alert change used to force a save of the whole state (every station, every pair) and of the
        // whole CAP feed, each with an fsync, before anyone was told; the messages behind it waited. Now the change's
        // station is journaled and state.json stays as the last full save wrote it.
        AlertEngineHost first = await StartHostAsync();
        byte[] saved = await File.ReadAllBytesAsync(Path.Combine(StateDirectory, "state.json"), Ct);

        await first.ProcessAsync([Level(0, 1.5)], Ct);
        await _receiver.WaitForAsync(1);

        Assert.Equal(saved, await File.ReadAllBytesAsync(Path.Combine(StateDirectory, "state.json"), Ct));
        JsonElement record = Assert.Single(await JournalAsync());
        Assert.Equal([Gauge], record.GetProperty("Targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([Gauge], record.GetProperty("State").GetProperty("Stations").EnumerateArray().Select(s => s.GetProperty("StationId").GetString()));
        Assert.Equal("river-level", Assert.Single(record.GetProperty("State").GetProperty("Pairs").EnumerateArray()).GetProperty("RuleId").GetString());
        Assert.Single(record.GetProperty("Cap").EnumerateArray());

        // Crash (no stop), and a new host on the folder: the alert is in force, its CAP message in the feed.
        AlertNotification raised = Assert.Single(await first.ActiveAsync(Ct));
        await AbandonAsync();
        AlertEngineHost second = await StartHostAsync();
        AlertNotification restored = Assert.Single(await second.ActiveAsync(Ct));
        Assert.Equal((raised.NotificationId, Severity.Blue), (restored.NotificationId, restored.Severity));
        Assert.Single(_hosts[^1].Provider.GetRequiredService<CapFeed>().Entries);
        Assert.False(File.Exists(JournalPath), "the start's full save includes the journal and empties it");
    }

    [Fact]
    public async Task Start_IsInTheAuditTrail_WithTheRulesAndTheAlertsTakenUpFromTheSavedState()
    {
        AlertEngineHost first = await StartHostAsync();
        await first.ProcessAsync([Level(0, 1.5)], Ct);
        await _receiver.WaitForAsync(1);
        await AbandonAsync();
        await StartHostAsync();

        // Read from the folder by a store of its own, as the query API would after a restart.
        IReadOnlyList<AuditEntry> starts = new AuditFileStore(Path.Combine(StateDirectory, "audit"))
            .Query(new AuditQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Kind: AuditKinds.AlertingStarted));
        Assert.Equal(
            ["1 rules in force; 1 alerts in force taken up from the saved state", "1 rules in force; 0 alerts in force taken up from the saved state"],
            starts.Select(e => e.Detail)); // newest first
        Assert.All(starts, e => Assert.Equal((AuditEntry.System, Path.Combine(_root, "rules")), (e.Who, e.Target)));
    }

    [Fact]
    public async Task FullSave_AfterAnEmergencyChange_AppendsItsCapMessageToTheCapLog_CapJsonIsNotRewritten()
    {
        // The periodic full save used to rewrite the whole CAP feed (up to 500 messages, 1.4 MB at 200) whenever it had
        // changed. It now appends the messages added since the last save; cap.json is rewritten at start and once the
        // log holds 500.
        AlertEngineHost first = await StartHostAsync();
        byte[] feed = await File.ReadAllBytesAsync(Path.Combine(StateDirectory, "cap.json"), Ct);
        await first.ProcessAsync([Level(0, 1.5)], Ct);
        _time.Advance(TimeSpan.FromSeconds(1));
        await first.ProcessAsync([Level(1, 1.5)], Ct); // a full save
        Assert.Equal(2, first.SavedThrough);

        Assert.Equal(feed, await File.ReadAllBytesAsync(Path.Combine(StateDirectory, "cap.json"), Ct));
        Assert.False(File.Exists(JournalPath));
        string logged = Assert.Single(await File.ReadAllLinesAsync(Path.Combine(StateDirectory, "cap.journal.jsonl"), Ct));
        string raised = _hosts[^1].Provider.GetRequiredService<CapFeed>().Entries.Single().Identifier;
        Assert.Equal(raised, JsonDocument.Parse(logged).RootElement.GetProperty("Identifier").GetString());

        // One more change, journaled only; then a crash. The feed comes back whole: the log's message and the journal's.
        await first.ProcessAsync([Level(2, 2.5)], Ct);
        string escalated = _hosts[^1].Provider.GetRequiredService<CapFeed>().Entries[0].Identifier;
        await AbandonAsync();
        await StartHostAsync();
        Assert.Equal([escalated, raised], _hosts[^1].Provider.GetRequiredService<CapFeed>().Entries.Select(e => e.Identifier));
        Assert.False(File.Exists(Path.Combine(StateDirectory, "cap.journal.jsonl")), "the start writes the whole feed to cap.json");
        Assert.Equal(2, JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(StateDirectory, "cap.json"), Ct)).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Crash_WithTheJournalAheadOfTheSnapshot_RedeliveredMessagesRaiseNothingTwice()
    {
        // The case the journal must survive: the snapshot is older than the alerts' state, and the broker redelivers
        // every message since the snapshot. Replayed over a station whose incident has been raised, escalated three times
        // and resolved, the early high readings must not raise it again (the restarted worker's windows have only what
        // is redelivered: the resolving reading comes after them).
        AlertEngineHost first = await StartHostAsync();
        await first.ProcessAsync([Level(0, 0.5)], Ct);
        _time.Advance(TimeSpan.FromSeconds(1));
        await first.ProcessAsync([Level(1, 0.6)], Ct); // a full save: messages 1 and 2 may be acknowledged
        Reading[] unacknowledged = [Level(2, 1.2), Level(3, 2.2), Level(4, 3.3), Level(5, 4.4), Level(6, 4.5), Level(30, 0.2), Level(35, 0.3)];
        foreach (Reading reading in unacknowledged)
        {
            await first.ProcessAsync([reading], Ct);
        }

        string[] told = await _receiver.WaitForAsync(5);
        Assert.Equal(["raised", "escalated", "escalated", "escalated", "resolved"], _receiver.Transitions);
        Assert.Equal(2, first.SavedThrough);
        Assert.Equal(5, (await JournalAsync()).Count);
        await AbandonAsync();

        AlertEngineHost second = await StartHostAsync();
        Assert.Empty(await second.ActiveAsync(Ct));
        foreach (Reading reading in unacknowledged)
        {
            await second.ProcessAsync([reading], Ct); // the redelivery
        }

        Assert.Empty(await second.ActiveAsync(Ct));

        // A new danger later is one new incident, told once; everything told before it arrived first (one queue per endpoint).
        await second.ProcessAsync([Level(60, 2.5)], Ct);
        string[] after = await _receiver.WaitForAsync(6);
        Assert.Equal(told, after[..5]);
        Assert.Equal("raised", _receiver.Transitions[5]);
        AlertNotification fresh = Assert.Single(await second.ActiveAsync(Ct));
        Assert.Equal((after[5], Severity.Yellow), (fresh.NotificationId, fresh.Severity));
        Assert.Equal(6, _hosts[^1].Provider.GetRequiredService<CapFeed>().Entries.Count); // the feed lost nothing
    }

    [Fact]
    public async Task Crash_WhileTheJournalRecordWasWritten_TheRedeliveredMessageMakesTheChangeAgainUnderItsOwnId()
    {
        // A crash in the middle of a record's write (before its fsync returned, so before anyone was told) leaves a
        // torn last line: skipped. The message that made the change was not acknowledged: redelivered, it makes the same
        // change again (same incident, same revision, so the same notification id), and the one before it, whose record
        // is whole, is not judged again.
        AlertEngineHost first = await StartHostAsync();
        await first.ProcessAsync([Level(0, 1.2)], Ct);
        await first.ProcessAsync([Level(1, 2.4)], Ct);
        string[] told = await _receiver.WaitForAsync(2);
        AlertNotification escalated = Assert.Single(await first.ActiveAsync(Ct));
        await AbandonAsync();
        string[] lines = await File.ReadAllLinesAsync(JournalPath, Ct);
        Assert.Equal(2, lines.Length);
        await File.WriteAllTextAsync(JournalPath, lines[0] + "\n" + lines[1][..(lines[1].Length / 2)], Ct);

        AlertEngineHost second = await StartHostAsync();
        Assert.Equal(Severity.Blue, Assert.Single(await second.ActiveAsync(Ct)).Severity);
        await second.ProcessAsync([Level(0, 1.2)], Ct);
        await second.ProcessAsync([Level(1, 2.4)], Ct);

        AlertNotification again = Assert.Single(await second.ActiveAsync(Ct));
        Assert.Equal((escalated.NotificationId, Severity.Yellow), (again.NotificationId, again.Severity));
        string[] all = await _receiver.WaitForAsync(3);
        Assert.Equal([.. told, escalated.NotificationId], all); // the repeat carries the id the receiver already has (Idempotency-Key)
    }

    [Fact]
    public async Task Crash_AfterAFullSaveBeforeTheJournalWasEmptied_OlderRecordsAreNotRestored()
    {
        // A full save renames the new state.json over the old and then deletes the journal; a crash between the two
        // leaves records of the previous checkpoint. Restored over the newer state they would take it back: here the
        // acknowledgement made after the raise would be lost.
        AlertEngineHost first = await StartHostAsync();
        await first.ProcessAsync([Level(0, 1.5)], Ct);
        byte[] raiseRecord = await File.ReadAllBytesAsync(JournalPath, Ct);
        string alertId = Assert.Single(await first.ActiveAsync(Ct)).AlertId;
        Assert.NotNull(await first.AcknowledgeAsync(alertId, "Li Wei", Ct));
        _time.Advance(TimeSpan.FromSeconds(1));
        await first.ProcessAsync([Level(1, 1.5)], Ct); // a full save: the journal is emptied
        Assert.False(File.Exists(JournalPath));
        await AbandonAsync();
        await File.WriteAllBytesAsync(JournalPath, raiseRecord, Ct);

        AlertEngineHost second = await StartHostAsync();
        AlertNotification kept = Assert.Single(await second.ActiveAsync(Ct));
        Assert.Equal((alertId, "Li Wei"), (kept.AlertId, kept.AcknowledgedBy));
    }

    [Fact]
    public async Task Acknowledgement_IsDurableBeforeTheCallReturns_WithoutAFullSave()
    {
        // An acknowledgement through the API is never redelivered: its record is its only copy until the next full save.
        AlertEngineHost first = await StartHostAsync();
        await first.ProcessAsync([Level(0, 3.5)], Ct);
        string alertId = Assert.Single(await first.ActiveAsync(Ct)).AlertId;
        Assert.NotNull(await first.AcknowledgeAsync(alertId, "Li Wei", Ct));
        Assert.Equal(0, first.SavedThrough);
        await AbandonAsync();

        AlertEngineHost second = await StartHostAsync();
        AlertNotification kept = Assert.Single(await second.ActiveAsync(Ct));
        Assert.Equal((Severity.Orange, "Li Wei"), (kept.Severity, kept.AcknowledgedBy));
        await second.ProcessAsync([Level(0, 3.5)], Ct); // redelivered: judged before the crash
        await second.ProcessAsync([Level(5, 4.2)], Ct); // an escalation clears the acknowledgement
        AlertNotification red = Assert.Single(await second.ActiveAsync(Ct));
        Assert.Equal((Severity.Red, null), (red.Severity, red.AcknowledgedBy));
        // The first worker may have told the receiver before it marked the delivery done: the restarted one then tells it
        // again under the same id (at least once, Idempotency-Key). Each notification counts once.
        Assert.Equal(["raised", "acknowledged", "escalated"], await _receiver.WaitForDistinctAsync(3));
    }

    [Fact]
    public async Task Start_ReadiesTheAlertPath_AndLeavesNoTrace()
    {
        // The first alert after a start took 0.4–0.6 s at 5,000 readings/s (its code compiled on first use), later ones
        // 10–20 ms (bench/README.md, "Alerting: the first alert after a start"). The start now renders a made-up alert
        // through the notification path's side-effect-free steps: nobody may hear of it, and no file may keep it.
        AlertEngineHost host = await StartHostAsync();
        ServiceProvider provider = _hosts[^1].Provider;

        FakeLogRecord ready = Assert.Single(provider.GetFakeLogCollector().GetSnapshot(), r => r.Message.StartsWith("Alert path ready", StringComparison.Ordinal));
        Assert.True(int.Parse(ready.StructuredState!.Single(p => p.Key == "Methods").Value!, CultureInfo.InvariantCulture) > 1000, ready.Message);
        Assert.Empty(await host.ActiveAsync(Ct));
        Assert.Empty(provider.GetRequiredService<CapFeed>().Entries);
        Assert.Empty(new Outbox(StateDirectory).Pending);
        Assert.False(File.Exists(JournalPath));
        string[] files = [.. Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories).Select(f => File.ReadAllText(f))];
        Assert.DoesNotContain(files, text => text.Contains("river-level.qs-wl-01", StringComparison.Ordinal)); // the made-up alert's id

        await host.ProcessAsync([Level(0, 1.5)], Ct); // the path works as before: one alert, told once
        Assert.Equal(["raised"], await _receiver.WaitForDistinctAsync(1));
        Assert.Single(provider.GetRequiredService<CapFeed>().Entries);
    }

    public async ValueTask DisposeAsync()
    {
        foreach ((ServiceProvider provider, CancellationTokenSource stop) in _hosts)
        {
            await stop.CancelAsync();
            stop.Dispose();
            await provider.DisposeAsync();
        }

        _receiver.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TelemetryReading Level(int minute, double metres) =>
        new(TestData.Station(Gauge), T0.AddMinutes(minute), minute + 1, new Dictionary<string, double>(StringComparer.Ordinal) { ["water_level_m"] = metres });

    private async Task<List<JsonElement>> JournalAsync() =>
        [.. (await File.ReadAllLinesAsync(JournalPath, Ct)).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    /// <summary>A crash: the host is left as it is, never stopped (its delivery workers are cancelled, nothing saved).</summary>
    /// <summary>
    /// The last host "crashes": its work stops without a final save. Its delivery loops stop too (cancelled, so what they
    /// had not delivered stays owed in the outbox), as a dead process's would: left running, they shared the outbox file
    /// with the next host, which no deployment does.
    /// </summary>
    private async Task AbandonAsync()
    {
        await _hosts[^1].Stop.CancelAsync();
        await _hosts[^1].Provider.GetRequiredService<NotificationPipeline>().StopAsync();
    }

    /// <summary>A host as <c>gardencity run --roles alerting</c> builds it, on the test's state folder, started.</summary>
    private async Task<AlertEngineHost> StartHostAsync()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GardenCity:Alerting:RulesDirectory"] = Path.Combine(_root, "rules"),
            ["GardenCity:Alerting:StateDirectory"] = StateDirectory,
            ["GardenCity:Alerting:AbsenceClock"] = "Watermark",
            ["GardenCity:Alerting:PublishMqtt"] = "false",
            ["GardenCity:Alerting:WriteHistory"] = "false",
            ["GardenCity:Alerting:PrimeFromInflux"] = "false",
            ["GardenCity:Alerting:Webhooks:0:Name"] = "duty",
            ["GardenCity:Alerting:Webhooks:0:Audience"] = "Emergency",
            ["GardenCity:Alerting:Webhooks:0:Url"] = _receiver.Url,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(_root, "dead-letter"),
            ["GardenCity:Spool:Directory"] = Path.Combine(_root, "spool"),
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddFakeLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(TestData.Registry);
        services.AddAlerting();
        ServiceProvider provider = services.BuildServiceProvider();
        var stop = new CancellationTokenSource();
        _hosts.Add((provider, stop));
        AlertEngineHost host = provider.GetRequiredService<AlertEngineHost>();
        await host.StartAsync(stop.Token);
        return host;
    }

    /// <summary>A webhook receiver on loopback: the notification id (Idempotency-Key) and transition of every POST, in order.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Id, string Transition)> _received = new();

        public Receiver()
        {
            using (var socket = new TcpListener(IPAddress.Loopback, 0))
            {
                socket.Start();
                Url = $"http://127.0.0.1:{((IPEndPoint)socket.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}/hook/";
            }

            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try
                    {
                        ctx = await _listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }

                    using (var body = JsonDocument.Parse(ctx.Request.InputStream))
                    {
                        _received.Enqueue((ctx.Request.Headers["Idempotency-Key"]!, body.RootElement.GetProperty("transition").GetString()!));
                    }

                    ctx.Response.StatusCode = 204;
                    ctx.Response.Close();
                }
            });
        }

        public string Url { get; }

        public string[] Transitions => [.. _received.Select(r => r.Transition)];

        /// <summary>Waits until at least <paramref name="count"/> POSTs came (30 s at most); returns their notification ids.</summary>
        public async Task<string[]> WaitForAsync(int count)
        {
            for (int i = 0; i < 300 && _received.Count < count; i++)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            Assert.True(_received.Count >= count, $"{_received.Count} of {count} notifications came: {string.Join(", ", _received)}");
            return [.. _received.Select(r => r.Id)];
        }

        /// <summary>
        /// Waits until at least <paramref name="count"/> different notifications came (30 s at most); returns their
        /// transitions in the order each first came (a repeat carries the id of the first).
        /// </summary>
        public async Task<string[]> WaitForDistinctAsync(int count)
        {
            for (int i = 0; i < 300 && Distinct().Length < count; i++)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            string[] distinct = Distinct();
            Assert.True(distinct.Length >= count, $"{distinct.Length} of {count} notifications came: {string.Join(", ", _received)}");
            return distinct;
        }

        public void Dispose() => _listener.Close();

        private string[] Distinct() => [.. _received.DistinctBy(r => r.Id, StringComparer.Ordinal).Select(r => r.Transition)];
    }
}
