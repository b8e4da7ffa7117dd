using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Inhibition end to end: the 23.7 storm (simulator process → Mosquitto → <c>gardencity run --roles
/// ingest,alerting,api</c> → influxd) with the duty room's inhibition on as a district would set it — a higher colour of
/// the flood hazard at a gauge holds back the lower (<c>flood-level</c>, <c>flood-fast-rise</c>), a station's
/// <c>station-offline</c> holds back its symptoms — and one WeCom robot told of every change. The oracle is computed
/// here from what the machines heard (one webhook per audience, every change in order), not from the duty room: which
/// alerts had to be held back, which released, which never told; the robot's messages, the delivery statuses and the
/// audit trail must agree with it.
/// </summary>
public sealed class DutyInhibitionEndToEndTests(ServersFixture servers)
{
    private static readonly string[] OfflineTargets = ["battery-low", "sequence-gap", "gauge-stuck", "gauge-stuck-in-storm"];
    private static readonly string[] Flood = ["flood-level", "flood-fast-rise"];
    private static readonly string[] Severities = ["none", "info", "blue", "yellow", "orange", "red"];

    [Fact]
    public async Task Rainstorm237_WithInhibition_NobodyIsToldOfAnAlertWhileAHigherOneHoldsItBack_AndTheHeldBackAreReleasedOrRecorded()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(ct);
        using var hooks = new ChannelReceiver("{}");
        using var robot = new ChannelReceiver();
        string database = "i" + Guid.NewGuid().ToString("N")[..12];
        string dir = Directory.CreateTempSubdirectory("gc-inhibit-e2e-").FullName;
        int health = ServerProcess.FreePort(), api = ServerProcess.FreePort();
        Dictionary<string, string> settings = DutyGroupingEndToEndTests.StormSettings(servers, mosquitto.Port, database, dir, api, health, hooks, robot);
        string[] transitions = ["Raised", "Escalated", "DeEscalated", "Resolved", "Closed", "LostContact", "Stale", "ContactRestored", "Acknowledged"];
        for (int i = 0; i < transitions.Length; i++)
        {
            settings[$"GardenCity:Duty:Routes:0:Transitions:{i}"] = transitions[i]; // every change but late notices: a released alert's latest change is told whatever it is
        }

        settings["GardenCity:Api:AnonymousRole"] = "Reader"; // the test reads the audit trail, the deliveries and the alerts in force
        settings["GardenCity:Duty:Inhibition:Enabled"] = "true";
        settings["GardenCity:Duty:Inhibition:Rules:0:Name"] = "offline-mutes-symptoms";
        settings["GardenCity:Duty:Inhibition:Rules:0:Sources:0"] = "station-offline";
        for (int i = 0; i < OfflineTargets.Length; i++)
        {
            settings[$"GardenCity:Duty:Inhibition:Rules:0:Targets:{i}"] = OfflineTargets[i];
        }

        settings["GardenCity:Duty:Inhibition:Hazards:flood:0"] = Flood[0];
        settings["GardenCity:Duty:Inhibition:Hazards:flood:1"] = Flood[1];
        settings["GardenCity:Duty:Inhibition:SiteOutage:Enabled"] = "false"; // one site alert instead of many: unit tests (DutyInhibitionTests)
        settings["GardenCity:Duty:Grouping:Enabled"] = "false"; // one message per change, so each message is one alert's
        using GardenCityProcess process = await GardenCityProcess.StartAsync(settings, ready: "Alerting connected to MQTT broker", healthUrl: false);
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(process.Output.Contains("Connected to MQTT broker", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), () => process.Output, ct);
        try
        {
            await DutyGroupingEndToEndTests.ReplayAsync(mosquitto.Port, hooks, ct);
            Oracle oracle = Oracle.From(hooks);
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(oracle.Told.All(DutyGroupingEndToEndTests.Linked(robot).Contains)), TimeSpan.FromSeconds(90),
                () => $"told, not in a message: {string.Join(", ", oracle.Told.Except(DutyGroupingEndToEndTests.Linked(robot)).Take(10))}\n" + process.Output[^Math.Min(4000, process.Output.Length)..], ct);
            await Task.Delay(TimeSpan.FromSeconds(5), ct); // anything extra would arrive within a delivery round

            // Not vacuous: the storm held some alerts back.
            Assert.NotEmpty(oracle.HeldOnce);

            // People: every alert the oracle says must be told is in a message; none held back for its whole life is.
            List<string> linked = DutyGroupingEndToEndTests.Linked(robot);
            Assert.Empty(oracle.Told.Except(linked));
            Assert.Empty(oracle.NeverTold.Intersect(linked));
            Assert.Empty(linked.Except(oracle.Told)); // no message about an alert nobody may be told of

            // Recorded as the docs say: held-back and released decisions in the audit trail, naming an inhibiting alert
            // that does hold the alert back (same station; the source of a rule, or a higher colour of its hazard).
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") };
            JsonElement heldAudit = await GetAsync(http, "/api/v1/audit?kind=duty.held_back&limit=10000", ct);
            JsonElement releasedAudit = await GetAsync(http, "/api/v1/audit?kind=duty.released&limit=10000", ct);
            Assert.Equal(oracle.HeldOnce.Order(StringComparer.Ordinal), heldAudit.EnumerateArray().Select(e => e.GetProperty("alert_id").GetString()!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            Assert.Equal(oracle.Released.Order(StringComparer.Ordinal), releasedAudit.EnumerateArray().Select(e => e.GetProperty("alert_id").GetString()!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            Assert.All(heldAudit.EnumerateArray(), e => Assert.True(oracle.CanHoldBack(e.GetProperty("target").GetString()!, e.GetProperty("alert_id").GetString()!), e.ToString()));

            // Each held-back alert's deliveries: held_back naming its inhibitor, until released (then sent).
            foreach (string id in oracle.HeldOnce)
            {
                JsonElement[] deliveries = [.. (await GetAsync(http, $"/api/v1/alerts/{Uri.EscapeDataString(id)}/deliveries", ct)).EnumerateArray()];
                Assert.Contains(deliveries, d => d.GetProperty("status").GetString() == "held_back" && d.GetProperty("reason").GetString()!.StartsWith("inhibited by ", StringComparison.Ordinal));
                Assert.All(deliveries.Where(d => d.GetProperty("status").GetString() == "held_back"),
                    d => Assert.True(oracle.CanHoldBack(d.GetProperty("reason").GetString()!["inhibited by ".Length..], id), d.ToString()));
                Assert.Equal(oracle.Released.Contains(id), deliveries.Any(d => d.GetProperty("status").GetString() == "sent"));
            }

            // The alerts in force that are held back now say so, with the inhibiting alert.
            foreach (JsonElement a in (await GetAsync(http, "/api/v1/alerts/active", ct)).EnumerateArray())
            {
                string id = a.GetProperty("alert_id").GetString()!;
                Assert.Equal(oracle.HeldNow.Contains(id), a.TryGetProperty("held_back", out JsonElement mark));
                if (oracle.HeldNow.Contains(id))
                {
                    Assert.True(oracle.CanHoldBack(mark.GetProperty("by").GetString()!, id), a.ToString());
                }
            }

            string measured = $"MEASURED rainstorm-23-7 with inhibition: {oracle.Raised.Count} alerts raised, {hooks.Requests.Count} machine notifications, {robot.Requests.Count} duty messages; "
                + $"held back {oracle.HeldOnce.Count} ({string.Join(", ", oracle.HeldOnce.Select(h => h.Split('.')[0]).GroupBy(r => r, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))}), released {oracle.Released.Count}, never told {oracle.NeverTold.Count()}";
            TestContext.Current.TestOutputHelper?.WriteLine(measured);
            Console.Error.WriteLine(measured);
            await process.TerminateAsync();
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string path, CancellationToken ct) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(path, UriKind.Relative), ct)).RootElement.Clone();

    /// <summary>One alert change as a machine heard it.</summary>
    private sealed record Change(string Id, string Rule, string Station, int Severity, bool Active);

    /// <summary>
    /// What the duty room must have done, from every change in the order a machine heard it (inhibition relates alerts
    /// of one audience here, and each audience's webhook hears its changes in order). As docs/duty-room.md says: an
    /// alert not yet told is held back while an active alert of the same station inhibits it; once told, it is never
    /// held back; a held-back alert is released (told) as soon as nothing inhibits it while it is active; one that ends
    /// while held back is never told.
    /// </summary>
    private sealed class Oracle
    {
        private readonly Dictionary<string, Change> _all = new(StringComparer.Ordinal);

        public HashSet<string> Raised { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Told { get; } = new(StringComparer.Ordinal);

        public HashSet<string> HeldOnce { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Released { get; } = new(StringComparer.Ordinal);

        public HashSet<string> HeldNow { get; } = new(StringComparer.Ordinal);

        public IEnumerable<string> NeverTold => Raised.Except(Told);

        public static Oracle From(ChannelReceiver hooks)
        {
            var oracle = new Oracle();
            foreach (IGrouping<string, ChannelReceiver.Request> audience in hooks.Requests.GroupBy(r => r.RawUrl, StringComparer.Ordinal))
            {
                var active = new Dictionary<string, Change>(StringComparer.Ordinal);
                foreach (ChannelReceiver.Request request in audience)
                {
                    JsonElement n = JsonDocument.Parse(request.Body).RootElement;
                    if (n.GetProperty("transition").GetString() == "late")
                    {
                        continue; // a late notice is its own alert, born resolved: never in force, never inhibits
                    }

                    var c = new Change(n.GetProperty("alert_id").GetString()!, n.GetProperty("rule_id").GetString()!, n.GetProperty("station_id").GetString()!,
                        Array.IndexOf(Severities, n.GetProperty("severity").GetString()), n.GetProperty("status").GetString() == "active");
                    oracle.Apply(c, active);
                }
            }

            return oracle;
        }

        /// <summary>Whether alert <paramref name="by"/> is of a kind that holds back <paramref name="held"/> (rules and station; colours are judged in order by <see cref="Apply"/>).</summary>
        public bool CanHoldBack(string by, string held) =>
            _all.TryGetValue(by, out Change? source) && _all.TryGetValue(held, out Change? target) && source.Station == target.Station
            && ((source.Rule == "station-offline" && OfflineTargets.Contains(target.Rule)) || (Flood.Contains(source.Rule) && Flood.Contains(target.Rule)));

        private static bool Inhibits(Change source, Change target) =>
            source.Id != target.Id && source.Station == target.Station
            && ((source.Rule == "station-offline" && OfflineTargets.Contains(target.Rule)) || (Flood.Contains(source.Rule) && Flood.Contains(target.Rule) && source.Severity > target.Severity));

        private void Apply(Change c, Dictionary<string, Change> active)
        {
            _all[c.Id] = c;
            if (c.Active)
            {
                Raised.Add(c.Id);
                active[c.Id] = c;
                if (!Told.Contains(c.Id) && active.Values.Any(a => Inhibits(a, c)))
                {
                    HeldOnce.Add(c.Id);
                    HeldNow.Add(c.Id);
                }
                else
                {
                    HeldNow.Remove(c.Id);
                    Told.Add(c.Id);
                }
            }
            else
            {
                active.Remove(c.Id);
                HeldNow.Remove(c.Id); // ended while held back: nobody is told it began or ended
            }

            foreach (string held in HeldNow.Where(h => active.ContainsKey(h) && !active.Values.Any(a => Inhibits(a, active[h]))).ToList())
            {
                HeldNow.Remove(held);
                Released.Add(held);
                Told.Add(held);
            }
        }
    }
}
