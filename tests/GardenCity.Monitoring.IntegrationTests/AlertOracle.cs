using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.DeviceSimulator.Model;
using GardenCity.Monitoring.DeviceSimulator.Scenarios;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>One incident as expected or as received: rule, station, when it began, its peak, whether it ended.</summary>
internal sealed record Incident(string Rule, string Station, DateTimeOffset RaisedAt, Severity Peak, bool Resolved, int Changes);

/// <summary>
/// The expected alerts of a scenario, worked out from the simulator's own samples with the shipped rules' numbers
/// (docs/alerting.md) restated plainly here: at each message of a station, every level's value against its threshold
/// with its deadband, the highest level held (or held less than a cooldown ago) is the severity. Independent of the
/// engine's code; the FWI values come from <see cref="FireWeatherIndex"/>, checked against cffdrs on its own.
/// </summary>
internal static class AlertOracle
{
    private delegate bool Level(int index, bool wasOn);

    public static (List<SimMessage> Messages, List<Incident> Incidents) Expect(string scenarioName, ulong seed, StationRegistry registry)
    {
        Scenario scenario = Scenario.Create(scenarioName)!;
        var simulation = new Simulation(registry.Stations.Select(s => new SimStation(s, seed)).ToList(), scenario, seed, scenario.DefaultStart!.Value, scenario.DefaultDuration);
        List<SimMessage> messages = simulation.Generate().ToList();
        var decoder = new WireDecoder(registry, new WireDecoderOptions());
        DateTimeOffset now = simulation.End.AddMinutes(1);
        var byStation = messages.Where(m => m.Type is not (SimMessageType.LinkLost or SimMessageType.LinkBack))
            .SelectMany(m => decoder.Decode(m.Topic, m.Payload, now).Readings)
            .GroupBy(r => r.Station.Id).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Timestamp).ToList());
        var incidents = new List<Incident>();
        foreach ((string id, List<Reading> readings) in byStation)
        {
            Station station = readings[0].Station;
            DateTimeOffset[] times = readings.Select(r => r.Timestamp).ToArray();
            List<(DateTimeOffset T, double V)> Field(string name) => readings.OfType<TelemetryReading>()
                .Where(r => r.Values.ContainsKey(name)).Select(r => (r.Timestamp, r.Values[name])).ToList();
            double? Latest(List<(DateTimeOffset T, double V)> s, int k) => s.LastOrDefault(x => x.T <= times[k]) is { T.Ticks: > 0 } x ? x.V : null;
            double Sum(List<(DateTimeOffset T, double V)> s, int k, TimeSpan w) => s.Where(x => x.T > times[k] - w && x.T <= times[k]).Sum(x => x.V);
            Level Threshold(Func<int, double?> value, double x, double deadband) => (k, on) => value(k) is { } v && v >= (on ? x - deadband : x);
            void Rule(string rule, TimeSpan cooldown, params (Severity, Level)[] levels) => incidents.AddRange(Run(rule, id, times, cooldown, levels));

            switch (station.Kind)
            {
                case StationKind.Weather:
                    {
                        var rain = Field("rain_mm");
                        Rule("rainstorm-cma", TimeSpan.FromHours(1),
                            (Severity.Blue, Threshold(k => Sum(rain, k, TimeSpan.FromHours(12)), 50, 5)),
                            (Severity.Yellow, Threshold(k => Sum(rain, k, TimeSpan.FromHours(6)), 50, 5)),
                            (Severity.Orange, Threshold(k => Sum(rain, k, TimeSpan.FromHours(3)), 50, 5)),
                            (Severity.Red, Threshold(k => Sum(rain, k, TimeSpan.FromHours(3)), 100, 10)));
                        break;
                    }

                case StationKind.WaterLevel:
                    {
                        var level = Field("water_level_m");
                        double warning = station.WarningLevelM!.Value, guaranteed = station.GuaranteedLevelM!.Value;
                        Rule("flood-level", TimeSpan.FromMinutes(30),
                            (Severity.Blue, Threshold(k => Latest(level, k), warning - 0.3, 0.05)),
                            (Severity.Yellow, Threshold(k => Latest(level, k), warning, 0.05)),
                            (Severity.Orange, Threshold(k => Latest(level, k), warning + 0.5, 0.05)),
                            (Severity.Red, Threshold(k => Latest(level, k), guaranteed, 0.05)));
                        Rule("flood-fast-rise", TimeSpan.FromMinutes(30), (Severity.Orange, (k, _) =>
                        {
                            var w = level.Where(x => x.T > times[k] - TimeSpan.FromHours(1) && x.T <= times[k]).ToList();
                            double hours = w.Count < 2 ? 0 : (w[^1].T - w[0].T).TotalHours;
                            return hours >= 0.5 && (w[^1].V - w[0].V) / hours >= 0.5;
                        }
                        ));
                        break;
                    }

                case StationKind.Fire:
                    {
                        var co = Field("co_ppm");
                        Rule("fire-co", TimeSpan.FromMinutes(30),
                            (Severity.Yellow, Threshold(k => Latest(co, k), 25, 5)),
                            (Severity.Orange, Threshold(k => Latest(co, k), 50, 5)));
                        var fires = readings.OfType<FireEvent>().ToList();
                        bool Fire(int k, FireDetectionType type) => fires.Any(f => f.Detection == type && f.Confidence >= 0.6 && f.Timestamp > times[k] - TimeSpan.FromHours(2) && f.Timestamp <= times[k]);
                        Rule("fire-detection", TimeSpan.FromMinutes(30), (Severity.Orange, (k, _) => Fire(k, FireDetectionType.Smoke)), (Severity.Red, (k, _) => Fire(k, FireDetectionType.Flame)));
                        break;
                    }

                case StationKind.CameraTrap:
                    {
                        var detections = readings.OfType<CameraTrapEvent>().SelectMany(e => e.Detections.Select(d => (e.Timestamp, d))).ToList();
                        bool Seen(int k, TimeSpan within, double confidence, Func<DateTimeOffset, string, bool> match) =>
                            detections.Any(x => x.d.Confidence >= confidence && x.Timestamp > times[k] - within && x.Timestamp <= times[k] && match(x.Timestamp, x.d.Species));
                        Rule("species-leopard", TimeSpan.FromHours(1), (Severity.Red, (k, _) => Seen(k, TimeSpan.FromHours(6), 0.8, (_, s) => s.StartsWith("Panthera pardus", StringComparison.Ordinal))));
                        Rule("species-rare", TimeSpan.FromHours(1), (Severity.Info, (k, _) => Seen(k, TimeSpan.FromHours(6), 0.8, (_, s) => s.StartsWith("Crossoptilon mantchuricum", StringComparison.Ordinal) || s.StartsWith("Moschus moschiferus", StringComparison.Ordinal) || s.StartsWith("Naemorhedus griseus", StringComparison.Ordinal))));
                        if (station.Zone == "core")
                        {
                            Rule("people-core-zone-night", TimeSpan.FromHours(1), (Severity.Orange, (k, _) => Seen(k, TimeSpan.FromHours(2), 0.7, (t, s) => s == "human" && t.ToOffset(TimeSpan.FromHours(8)).Hour is >= 19 or < 6)));
                        }

                        break;
                    }
            }

            if (station.Kind is StationKind.Weather or StationKind.Fire)
            {
                incidents.AddRange(FireDanger(id, station, readings, times, byStation, registry));
            }
        }

        incidents.AddRange(Geohazard(byStation, registry));

        // Absence is judged on the engine's clock ticks (here against the watermark, the fleet's latest measurement
        // time), so its exact raise time depends on when a tick falls: the expected time is the earliest possible one.
        DateTimeOffset fleetLast = byStation.Values.Max(r => r[^1].Timestamp);
        foreach ((string id, List<Reading> readings) in byStation)
        {
            bool camera = readings[0].Station.Kind == StationKind.CameraTrap;
            TimeSpan silence = camera ? TimeSpan.FromHours(2) : TimeSpan.FromMinutes(30);
            DateTimeOffset last = readings[^1].Timestamp;
            if (fleetLast - last >= silence)
            {
                incidents.Add(new Incident(camera ? "camera-offline" : "station-offline", id, last + silence, camera ? Severity.Blue : Severity.Yellow, false, 1));
            }
        }

        // No data is not normal (docs/alerting.md): an emergency flood, rainstorm or fire incident still in force when
        // its station has been silent for 30 min (the shipped stale horizon) stays, and is marked stale once.
        // A hazard unit is silent when any of its gauges that took part is (docs/geohazard.md).
        string[] staleRules = ["rainstorm-cma", "flood-level", "flood-fast-rise", "fire-co", "fire-detection", "fire-danger-fwi", "debris-flow-rain", "landslide-rain"];
        DateTimeOffset LastOf(string id) => registry.HazardUnit(id) is { } unit
            ? unit.Gauges.Where(byStation.ContainsKey).Min(g => byStation[g][^1].Timestamp)
            : byStation[id][^1].Timestamp;
        for (int i = 0; i < incidents.Count; i++)
        {
            Incident incident = incidents[i];
            if (!incident.Resolved && staleRules.Contains(incident.Rule) && fleetLast - LastOf(incident.Station) >= TimeSpan.FromMinutes(30))
            {
                incidents[i] = incident with { Changes = incident.Changes + 1 };
            }
        }

        return (messages, incidents.OrderBy(i => i.Rule, StringComparer.Ordinal).ThenBy(i => i.Station, StringComparer.Ordinal).ThenBy(i => i.RaisedAt).ToList());
    }

    private static List<Incident> FireDanger(string id, Station station, List<Reading> readings, DateTimeOffset[] times, Dictionary<string, List<Reading>> byStation, StationRegistry registry)
    {
        // FWI from the first observation at local noon..18:00 of each day; rain: 24 h of the station or of its site's weather station.
        string? rainStation = station.Kind == StationKind.Weather ? id
            : registry.Stations.Where(s => s.Kind == StationKind.Weather && s.Site.Id == station.Site.Id).OrderBy(s => s.Id, StringComparer.Ordinal).Select(s => s.Id).FirstOrDefault(byStation.ContainsKey);
        // The fire season (the default GardenCity:FireSeason, docs/fire-weather.md): 1 November – 31 May. Out of season
        // no FWI at all (the rule sees no value); the codes start from 85/6/15 on a season's first computed day.
        FwiState state = FwiState.StartUp;
        var fwi = new List<(DateTimeOffset T, double? V)>();
        var done = new HashSet<DateOnly>();
        int? season = null; // the year the season began in
        foreach (TelemetryReading r in readings.OfType<TelemetryReading>())
        {
            DateTimeOffset local = r.Timestamp.ToOffset(TimeSpan.FromHours(8));
            if (local.Hour is < 12 or >= 18 || !done.Add(DateOnly.FromDateTime(local.DateTime)))
            {
                continue;
            }

            if (local.Month is > 5 and < 11)
            {
                fwi.Add((r.Timestamp, null));
                continue;
            }

            int began = local.Month >= 11 ? local.Year : local.Year - 1;
            if (season != began)
            {
                (season, state) = (began, FwiState.StartUp);
            }

            double rain = rainStation is null ? 0 : byStation[rainStation].OfType<TelemetryReading>()
                .Where(x => x.Timestamp > r.Timestamp - TimeSpan.FromDays(1) && x.Timestamp <= r.Timestamp && x.Values.ContainsKey("rain_mm")).Sum(x => x.Values["rain_mm"]);
            FwiResult day = FireWeatherIndex.Day(state, new FwiWeather(r.Values["air_temp_c"], r.Values["rh_pct"], r.Values["wind_speed_ms"] * 3.6, rain, local.Month, station.Lat));
            state = day.State;
            fwi.Add((r.Timestamp, day.Fwi));
        }

        double? Value(int k) => fwi.LastOrDefault(x => x.T <= times[k]) is { T.Ticks: > 0 } x ? x.V : null;
        return Run("fire-danger-fwi", id, times, TimeSpan.FromHours(1),
            (Severity.Blue, (k, _) => Value(k) >= 11.2), (Severity.Yellow, (k, _) => Value(k) >= 21.3), (Severity.Orange, (k, _) => Value(k) >= 38), (Severity.Red, (k, _) => Value(k) >= 50));
    }

    /// <summary>
    /// The shipped geohazard rules (deploy/rules/geohazard.yaml, docs/geohazard.md) restated plainly: per hazard unit, at
    /// every reading time of its gauges, each gauge's rainfall event (wet samples at most the dry gap apart, the last
    /// within it), R, D, I_max and P_a = Σ K^i P_i by 24 h days before the event start; the highest gauge counts.
    /// Debris flow: P_a + R ≥ f·220 mm and I_max ≥ f·60 mm/h; landslide: R/D ≥ f·14.82·D^-0.39; f = 0.6/0.8/1.0/1.2.
    /// </summary>
    private static List<Incident> Geohazard(Dictionary<string, List<Reading>> byStation, StationRegistry registry)
    {
        var incidents = new List<Incident>();
        double[] fractions = [0.6, 0.8, 1.0, 1.2];
        Severity[] colours = [Severity.Blue, Severity.Yellow, Severity.Orange, Severity.Red];
        foreach (HazardUnit unit in registry.HazardUnits)
        {
            var rains = unit.Gauges.Where(byStation.ContainsKey).Select(g => byStation[g].OfType<TelemetryReading>()
                .Where(r => r.Values.ContainsKey("rain_mm")).Select(r => (T: r.Timestamp, V: r.Values["rain_mm"])).ToList()).ToList();
            DateTimeOffset[] times = unit.Gauges.Where(byStation.ContainsKey).SelectMany(g => byStation[g].Select(r => r.Timestamp)).Distinct().Order().ToArray();
            if (times.Length == 0)
            {
                continue;
            }

            var cache = new Dictionary<int, List<(double R, double D, double IMax, double Pa)>>();
            List<(double R, double D, double IMax, double Pa)> At(int k)
            {
                if (!cache.TryGetValue(k, out var figures))
                {
                    cache[k] = figures = rains.Select(rain => Figures(rain.Where(x => x.T <= times[k]).ToList(), times[k], unit)).ToList();
                }

                return figures;
            }

            bool debris = unit.Kind == HazardUnitKind.DebrisFlow;
            var levels = fractions.Select((f, i) => (colours[i], (Level)((k, _) => At(k).Any(g => g.D > 0 && (debris
                ? g.Pa + g.R >= f * 220 && g.IMax >= f * 60
                : g.R / g.D >= f * 14.82 * Math.Pow(g.D, -0.39)))))).ToArray();
            incidents.AddRange(Run(debris ? "debris-flow-rain" : "landslide-rain", unit.Id, times, TimeSpan.FromHours(3), levels));
        }

        return incidents;
    }

    private static (double R, double D, double IMax, double Pa) Figures(List<(DateTimeOffset T, double V)> s, DateTimeOffset t, HazardUnit unit)
    {
        int last = s.FindLastIndex(x => x.V > 0);
        DateTimeOffset basis = t;
        double r = 0, d = 0, iMax = 0;
        if (last >= 0 && t - s[last].T <= unit.DryGap)
        {
            int first = last;
            for (int i = last - 1; i >= 0; i--)
            {
                if (s[i].V > 0 && s[first].T - s[i].T > unit.DryGap)
                {
                    break;
                }

                first = s[i].V > 0 ? i : first;
            }

            TimeSpan step = first > 0 ? s[first].T - s[first - 1].T : TimeSpan.FromMinutes(10);
            step = step <= TimeSpan.Zero ? TimeSpan.FromMinutes(10) : step > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : step;
            basis = s[first].T - step;
            r = s.Skip(first).Take(last - first + 1).Sum(x => x.V);
            d = (s[last].T - basis).TotalHours;
            iMax = s.Skip(first).Take(last - first + 1).Where(x => x.V > 0).Max(x => s.Where(y => y.T > x.T - TimeSpan.FromHours(1) && y.T <= x.T).Sum(y => y.V));
        }

        double pa = s.Where(x => x.V > 0 && x.T <= basis)
            .Select(x => (Day: (int)Math.Floor((basis - x.T).TotalHours / 24) + 1, x.V))
            .Where(x => x.Day <= unit.AntecedentDays).Sum(x => Math.Pow(unit.AntecedentK, x.Day) * x.V);
        return (r, d, iMax, pa);
    }

    private static List<Incident> Run(string rule, string station, DateTimeOffset[] times, TimeSpan cooldown, params (Severity Severity, Level Holds)[] levels)
    {
        var result = new List<Incident>();
        var on = new bool[levels.Length];
        var lastHeld = new DateTimeOffset?[levels.Length];
        Severity current = Severity.None, peak = Severity.None;
        DateTimeOffset raisedAt = default;
        int changes = 0;
        for (int k = 0; k < times.Length; k++)
        {
            Severity target = Severity.None;
            for (int l = 0; l < levels.Length; l++)
            {
                on[l] = levels[l].Holds(k, on[l]);
                if (on[l])
                {
                    lastHeld[l] = times[k];
                    target = levels[l].Severity;
                }
            }

            for (int l = 0; l < levels.Length; l++)
            {
                if (levels[l].Severity > target && lastHeld[l] is { } held && times[k] - held < cooldown)
                {
                    target = levels[l].Severity;
                }
            }

            if (target == current)
            {
                continue;
            }

            if (current == Severity.None)
            {
                raisedAt = times[k];
                peak = target;
                changes = 0;
            }

            changes++;
            peak = target > peak ? target : peak;
            current = target;
            if (target == Severity.None)
            {
                result.Add(new Incident(rule, station, raisedAt, peak, true, changes));
                Array.Clear(lastHeld);
            }
        }

        if (current != Severity.None)
        {
            result.Add(new Incident(rule, station, raisedAt, peak, false, changes));
        }

        return result;
    }
}
