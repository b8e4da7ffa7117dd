using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.DeviceSimulator.Scenarios;

namespace GardenCity.Monitoring.DeviceSimulator.Model;

/// <summary>
/// Generates, in time order, every message a fleet sends during a scenario. Deterministic: the same stations,
/// scenario, seed, start and duration give byte-identical messages.
/// </summary>
public sealed class Simulation
{
    /// <summary>Minutes between telemetry samples, by kind; status every 30 minutes.</summary>
    public const int WeatherEvery = 5, GaugeEvery = 5, FireEvery = 10, StatusEvery = 30;

    /// <summary>Samples per store-and-forward message, which keeps backlog messages well under 64 KiB.</summary>
    public const int MaxBacklogSamples = 250;

    /// <summary>InfluxDB measurements (as documented in docs/influxdb-schema.md) the expected point counts refer to.</summary>
    public const string Weather = "weather", WaterLevel = "water_level", Fire = "fire", CameraTrap = "camera_trap",
        CameraTrapTrigger = "camera_trap_trigger", FireEvent = "fire_event", StationStatus = "station_status";

    private const string Firmware = "2.3.1";
    private readonly IReadOnlyList<SimStation> _stations;
    private readonly Scenario _scenario;
    private readonly ulong _seed;
    private readonly DateTimeOffset _start;
    private readonly DateTimeOffset _end;
    private readonly Dictionary<string, List<Outage>> _outages;

    /// <summary>Prepares a run: sorts the fleet by id, rounds the start down to the minute, links gauges to their upstream weather stations and plans the scenario's outages.</summary>
    public Simulation(IReadOnlyList<SimStation> stations, Scenario scenario, ulong seed, DateTimeOffset start, TimeSpan duration)
    {
        _stations = stations.OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        _scenario = scenario;
        _seed = seed;
        _start = new DateTimeOffset(start.UtcTicks - (start.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        _end = _start + duration;
        foreach (SimStation gauge in _stations.Where(s => s.Kind == StationKind.WaterLevel))
        {
            List<SimStation> shed = _stations.Where(s => s.Kind == StationKind.Weather && s.Station.Watershed == gauge.Station.Watershed).ToList();
            List<SimStation> upstream = shed.Where(s => s.Station.ElevationM >= gauge.Station.ElevationM - 50).ToList();
            gauge.Upstream = upstream.Count > 0 ? upstream : shed.Count > 0 ? shed : [gauge];
        }

        _scenario.Prepare(_stations, _start, _seed);
        _outages = _scenario.Outages(_stations, _start, _seed).GroupBy(o => o.StationId).ToDictionary(g => g.Key, g => g.ToList());
    }

    /// <summary>Start of the run (UTC, whole minute).</summary>
    public DateTimeOffset Start => _start;

    /// <summary>End of the run (exclusive).</summary>
    public DateTimeOffset End => _end;

    /// <summary>The fleet, ordered by id.</summary>
    public IReadOnlyList<SimStation> Stations => _stations;

    /// <summary>Samples measured during an outage without backlog: lost at the station, never published.</summary>
    public int SamplesLostAtStations { get; private set; }

    /// <summary>The payload of a station's Last Will for a connection made at <paramref name="connectedAt"/>.</summary>
    public static byte[] WillPayload(DateTimeOffset connectedAt) =>
        Payloads.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("ts", Payloads.Ts(connectedAt.AddMilliseconds(1)));
            w.WriteBoolean("online", false);
            w.WriteEndObject();
        });

    /// <summary>The connection time a <see cref="SimMessageType.LinkBack"/> message's will payload was made for.</summary>
    public static DateTimeOffset WillTimeOf(byte[] willPayload)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(willPayload);
        return doc.RootElement.GetProperty("ts").GetDateTimeOffset().AddMilliseconds(-1);
    }

    /// <summary>The wire contract v1 topic of a station's stream: <c>gc/v1/{kind}/{station}/{stream}</c>.</summary>
    public static string Topic(SimStation station, string stream) => $"gc/v1/{station.Kind.ToWireName()}/{station.Id}/{stream}";

    /// <summary>Rain intensity at a station (mm/h), never negative.</summary>
    public double RainRateMmH(SimStation station, DateTimeOffset t)
    {
        double minutes = (t - DateTimeOffset.UnixEpoch).TotalMinutes;
        double district = _scenario.DistrictRainMmH(t, _start);
        double local = district * station.RainMultiplier * (1 + (0.45 * Noise.Smooth(_seed, station.Key, minutes, 25, 7)));
        return Math.Max(0, local + _scenario.BurstMmH(station, t, _start));
    }

    /// <summary>Every message in send order.</summary>
    public IEnumerable<SimMessage> Generate()
    {
        var seq = _stations.ToDictionary(s => s.Id, s => 1000 + (long)(Noise.Uniform(_seed, s.Key, 0, 1) * 9000));
        var gauges = _stations.Where(s => s.Kind == StationKind.WaterLevel).ToDictionary(s => s.Id, _ => new double[2]);
        var buffers = _stations.ToDictionary(s => s.Id, _ => new List<(string Stream, Sample Sample)>());
        var planned = _scenario.Events(_stations, _start, _seed).ToList();
        SimStation? cameraTrap = _stations.FirstOrDefault(s => s.Kind == StationKind.CameraTrap);
        var byId = _stations.ToDictionary(s => s.Id);
        int good = 0, bad = 0;

        foreach (SimStation station in _stations)
        {
            yield return StatusMessage(station, _start, retainedOnline: true);
        }

        for (DateTimeOffset hour = _start; hour < _end; hour = hour.AddHours(1))
        {
            var pending = new List<Pending>();
            for (int m = 0; m < 60; m++)
            {
                DateTimeOffset t = hour.AddMinutes(m);
                if (t >= _end)
                {
                    break;
                }

                int minuteIndex = (int)(t - _start).TotalMinutes;
                foreach (SimStation station in _stations)
                {
                    AddLinkChanges(station, t, pending);
                    if (station.Kind == StationKind.WaterLevel)
                    {
                        StepGauge(station, t, gauges[station.Id]);
                    }

                    int every = station.Kind switch { StationKind.Weather => WeatherEvery, StationKind.WaterLevel => GaugeEvery, StationKind.Fire => FireEvery, _ => 0 };
                    if (every > 0 && minuteIndex > 0 && (minuteIndex + station.Phase) % every == 0)
                    {
                        double[] gauge = station.Kind == StationKind.WaterLevel ? gauges[station.Id] : [];
                        pending.Add(new Pending(t, station, "telemetry", Telemetry(station, t, gauge), true));
                    }

                    if ((minuteIndex + station.Phase) % StatusEvery == 15)
                    {
                        pending.Add(new Pending(t, station, "status", null, false));
                    }
                }
            }

            foreach (SimStation trap in _stations.Where(s => s.Kind == StationKind.CameraTrap))
            {
                AddWildlife(trap, hour, pending);
            }

            foreach (PlannedEvent e in planned.Where(e => e.Time >= hour && e.Time < hour.AddHours(1) && e.Time < _end && byId.ContainsKey(e.StationId)))
            {
                SimStation station = byId[e.StationId];
                pending.Add(new Pending(e.Time, station, "event", station.Kind == StationKind.Fire ? FireEventBody(e) : CameraEventBody(station, [(e.Subject, 1, e.Confidence)]), true));
            }

            // Stable sort by time: within a station, samples get their seq in measurement order.
            foreach (Pending p in pending.Select((p, i) => (p, i)).OrderBy(x => x.p.Time).ThenBy(x => x.p.Station.Id, StringComparer.Ordinal).ThenBy(x => x.i).Select(x => x.p))
            {
                foreach (SimMessage message in Emit(p, seq, buffers))
                {
                    yield return message;
                    if (_scenario.InjectBadInputs && message.Type == SimMessageType.Telemetry && ++good % 4 == 0)
                    {
                        BadInput input = BadInputs.Make(bad++, p.Station, p.Time, seq[p.Station.Id], cameraTrap);
                        yield return new SimMessage(p.Time, p.Station.Id, input.Topic, input.Payload, false, SimMessageType.Bad, 0, SimMessage.NoPoints, input.ExpectedReason);
                    }
                }
            }
        }
    }

    private IEnumerable<SimMessage> Emit(Pending p, Dictionary<string, long> seq, Dictionary<string, List<(string Stream, Sample Sample)>> buffers)
    {
        SimStation station = p.Station;
        switch (p.Stream)
        {
            case "link-lost":
                yield return new SimMessage(p.Time, station.Id, Topic(station, "status"), WillPayload(p.Reconnected), true, SimMessageType.LinkLost, 1, Points(StationStatus));
                yield break;
            case "link-back":
                yield return new SimMessage(p.Time, station.Id, Topic(station, "status"), WillPayload(p.Time.AddSeconds(1)), true, SimMessageType.LinkBack, 0, SimMessage.NoPoints);
                yield return StatusMessage(station, p.Time.AddSeconds(1), retainedOnline: true);
                foreach (SimMessage backlog in Backlog(station, p.Time, buffers[station.Id]))
                {
                    yield return backlog;
                }

                buffers[station.Id].Clear();
                yield break;
        }

        Outage? outage = OutageAt(station, p.Time);
        if (p.Stream == "status")
        {
            if (outage is null)
            {
                yield return StatusMessage(station, p.Time, retainedOnline: true);
            }

            yield break;
        }

        long? number = p.NeedsSeq ? seq[station.Id]++ : null;
        Sample sample = p.Make!(number) with { Ts = p.Time };
        if (outage is null)
        {
            SimMessageType type = p.Stream == "event" ? SimMessageType.Event : SimMessageType.Telemetry;
            yield return new SimMessage(p.Time, station.Id, Topic(station, p.Stream), Payloads.SingleSample(sample), false, type, 1, sample.Points);
        }
        else if (outage.Backlog)
        {
            buffers[station.Id].Add((p.Stream, sample));
        }
        else
        {
            SamplesLostAtStations++;
        }
    }

    private static IEnumerable<SimMessage> Backlog(SimStation station, DateTimeOffset at, List<(string Stream, Sample Sample)> stored)
    {
        // Oldest first, one stream per message, at most MaxBacklogSamples samples each.
        int i = 0;
        while (i < stored.Count)
        {
            string stream = stored[i].Stream;
            var chunk = stored.Skip(i).TakeWhile(x => x.Stream == stream).Take(MaxBacklogSamples).Select(x => x.Sample).ToList();
            i += chunk.Count;
            var points = chunk.SelectMany(s => s.Points).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
            yield return new SimMessage(at.AddSeconds(1), station.Id, Topic(station, stream), Payloads.Backlog(chunk), false, SimMessageType.Backlog, chunk.Count, points);
        }
    }

    private void AddLinkChanges(SimStation station, DateTimeOffset t, List<Pending> pending)
    {
        if (!_outages.TryGetValue(station.Id, out List<Outage>? outages))
        {
            return;
        }

        foreach (Outage o in outages)
        {
            if (o.From == t)
            {
                DateTimeOffset connected = outages.Where(x => x.To is { } to && to <= t).Select(x => x.To!.Value.AddSeconds(1)).DefaultIfEmpty(_start).Max();
                pending.Add(new Pending(t, station, "link-lost", null, false) { Reconnected = connected });
            }
            else if (o.To == t)
            {
                pending.Add(new Pending(t, station, "link-back", null, false));
            }
        }
    }

    private Outage? OutageAt(SimStation station, DateTimeOffset t) =>
        _outages.TryGetValue(station.Id, out List<Outage>? outages) ? outages.FirstOrDefault(o => t >= o.From && (o.To is null || t < o.To)) : null;

    private SimMessage StatusMessage(SimStation station, DateTimeOffset t, bool retainedOnline)
    {
        double minutes = (t - DateTimeOffset.UnixEpoch).TotalMinutes;
        double cloud = Math.Min(1, _scenario.DistrictRainMmH(t, _start) / 4);
        double battery = Math.Clamp(12.2 + (1.4 * Climate.Sun(t) * (1 - cloud)) - (0.7 * cloud) + (0.08 * Noise.Smooth(_seed, station.Key, minutes, 90, 20)), 10.5, 14.4);
        double rssi = Math.Clamp(-72 - (0.012 * station.Station.ElevationM) + (5 * Noise.Smooth(_seed, station.Key, minutes, 60, 21)) - (10 * cloud), -125, -40);
        byte[] payload = Payloads.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("ts", Payloads.Ts(t));
            w.WriteBoolean("online", retainedOnline);
            w.WriteNumber("battery_v", Math.Round(battery, 2));
            w.WriteNumber("rssi_dbm", Math.Round(rssi));
            w.WriteString("firmware", Firmware);
            w.WriteEndObject();
        });
        return new SimMessage(t, station.Id, Topic(station, "status"), payload, true, SimMessageType.Status, 1, Points(StationStatus));
    }

    private Func<long?, Sample> Telemetry(SimStation station, DateTimeOffset t, double[] gauge)
    {
        var values = new List<(string, double)>();
        switch (station.Kind)
        {
            case StationKind.Weather:
                (double temp, double rh, double wind) = Air(station, t);
                double minutes = (t - DateTimeOffset.UnixEpoch).TotalMinutes;
                int month = t.ToOffset(Climate.Local).Month;
                double prevailing = month is >= 4 and <= 9 ? 200 : 315;
                values.Add(("air_temp_c", temp));
                values.Add(("rh_pct", rh));
                values.Add(("wind_speed_ms", wind));
                values.Add(("wind_dir_deg", Math.Round(((prevailing + (70 * Noise.Smooth(_seed, station.Key, minutes, 240, 4))) % 360 + 360) % 360)));
                values.Add(("rain_mm", RainSince(station, t, WeatherEvery)));
                values.Add(("pressure_hpa", Math.Round(Climate.StationPressureHpa(station.Station.ElevationM) + (3 * Noise.Smooth(_seed, station.Key, minutes, 720, 5)) + _scenario.Weather(station, t, _start).PressureDeltaHpa, 1)));
                return Telemetry(t, values, Weather);

            case StationKind.WaterLevel:
                double stage = Stage(station, gauge, t);
                values.Add(("water_level_m", stage));
                if (station.RatingCoefficient is { } a)
                {
                    values.Add(("flow_m3s", Math.Round(a * Math.Pow(Math.Max(0, stage - station.BaseStageM + 0.3), 1.6), 1)));
                }

                values.Add(("rain_mm", RainSince(station, t, GaugeEvery)));
                return Telemetry(t, values, WaterLevel);

            default:
                (double fTemp, double fRh, double fWind) = Air(station, t);
                (double co, double smoke) = _scenario.Smoke(station, t, _start);
                values.Add(("air_temp_c", fTemp));
                values.Add(("rh_pct", fRh));
                values.Add(("wind_speed_ms", fWind));
                values.Add(("co_ppm", Math.Round(0.25 + (0.1 * Noise.Uniform(_seed, station.Key, t.ToUnixTimeSeconds(), 30)) + co, 2)));
                values.Add(("smoke_obscuration_pct_m", Math.Round(Math.Min(100, 0.01 + (0.01 * Noise.Uniform(_seed, station.Key, t.ToUnixTimeSeconds(), 31)) + smoke), 3)));
                return Telemetry(t, values, Fire);
        }
    }

    private static Func<long?, Sample> Telemetry(DateTimeOffset t, List<(string, double)> values, string measurement) =>
        seq => new Sample(t, seq, Payloads.Values(values), Points(measurement));

    private (double TempC, double RhPct, double WindMs) Air(SimStation station, DateTimeOffset t)
    {
        double minutes = (t - DateTimeOffset.UnixEpoch).TotalMinutes;
        WeatherShift shift = _scenario.Weather(station, t, _start);
        double rain = RainRateMmH(station, t);
        double cloud = Math.Min(1, (_scenario.DistrictRainMmH(t, _start) / 4) + (rain / 8));
        double temp = Climate.SeasonalTempC(t) - (Climate.LapseRate * (station.Station.ElevationM - 50))
            + (5 * (1 - (0.7 * cloud)) * Climate.Diurnal(t)) + Noise.Smooth(_seed, station.Key, minutes, 180, 1) + shift.TempDeltaC;
        double rh = Climate.SeasonalRhPct(t) - (14 * Climate.Diurnal(t) * (1 - cloud)) + (6 * Noise.Smooth(_seed, station.Key, minutes, 240, 2));
        if (rain > 0.2)
        {
            rh = Math.Max(rh, 93 + (5 * Noise.Uniform(_seed, station.Key, (long)minutes, 3)));
        }

        rh = Math.Clamp(rh * shift.RhFactor, 3, 100);
        double gust = Math.Max(0, Noise.Normal(_seed, station.Key, (long)minutes, 6)) * 0.8;
        double wind = Math.Clamp(((2.0 + (0.0015 * station.Station.ElevationM)) * shift.WindFactor * (1 + (0.35 * Noise.Smooth(_seed, station.Key, minutes, 60, 3)))) + gust, 0, 60);
        return (Math.Round(Math.Clamp(temp, -55, 55), 1), Math.Round(rh, 1), Math.Round(wind, 1));
    }

    private double RainSince(SimStation station, DateTimeOffset t, int minutes)
    {
        double total = 0;
        for (int k = 0; k < minutes; k++)
        {
            total += RainRateMmH(station, t.AddMinutes(-k)) / 60;
        }

        return Math.Round(total, 1);
    }

    /// <summary>Two linear reservoirs in series (a Nash cascade) turn upstream rain into runoff with lag and recession.</summary>
    private void StepGauge(SimStation gauge, DateTimeOffset t, double[] state)
    {
        double input = gauge.Upstream.Average(u => RainRateMmH(u, t));
        double k = gauge.RecessionHours, dt = 1.0 / 60;
        double out1 = state[0] / k;
        state[0] += (input - out1) * dt;
        state[1] += (out1 - (state[1] / k)) * dt;
    }

    private double Stage(SimStation gauge, double[] state, DateTimeOffset t)
    {
        double runoff = state[1] / gauge.RecessionHours;
        double noise = 0.004 * Noise.Normal(_seed, gauge.Key, t.ToUnixTimeSeconds(), 40);
        return Math.Round(gauge.BaseStageM + (gauge.StageGainPerMmH * runoff) + noise, 3);
    }

    private void AddWildlife(SimStation trap, DateTimeOffset hour, List<Pending> pending)
    {
        long hourIndex = hour.ToUnixTimeSeconds() / 3600;
        double localHour = Climate.LocalHour(hour);
        var events = new List<(int Second, (string, int, double)[] Detections)>();
        for (int i = 0; i < Wildlife.Mix.Count; i++)
        {
            SpeciesRate species = Wildlife.Mix[i];
            double mean = species.PerTrapDay / 24 * Wildlife.Activity(species.Pattern, localHour) / Wildlife.MeanActivity(species.Pattern);
            int n = Noise.Poisson(mean, _seed, trap.Key, hourIndex, 1000 + i);
            for (int j = 0; j < n; j++)
            {
                int second = (int)(Noise.Uniform(_seed, trap.Key, hourIndex, 2000 + (i * 16) + j) * 3600);
                int count = 1 + (int)(Noise.Uniform(_seed, trap.Key, hourIndex, 3000 + (i * 16) + j) * species.MaxGroup);
                double confidence = Math.Round(0.6 + (0.39 * Noise.Uniform(_seed, trap.Key, hourIndex, 4000 + (i * 16) + j)), 2);
                events.Add((second, [(species.ScientificName, count, confidence)]));
            }
        }

        int blanks = Noise.Poisson(Wildlife.BlankPerTrapDay / 24, _seed, trap.Key, hourIndex, 5000);
        for (int j = 0; j < blanks; j++)
        {
            events.Add(((int)(Noise.Uniform(_seed, trap.Key, hourIndex, 5100 + j) * 3600), []));
        }

        double humanMean = Wildlife.HumansPerTrapDay(trap.Station.Zone) / 24 * Wildlife.Activity(DielPattern.Diurnal, localHour) / Wildlife.MeanActivity(DielPattern.Diurnal);
        int humans = Noise.Poisson(humanMean, _seed, trap.Key, hourIndex, 6000);
        for (int j = 0; j < humans; j++)
        {
            events.Add(((int)(Noise.Uniform(_seed, trap.Key, hourIndex, 6100 + j) * 3600), [("human", 1 + (int)(Noise.Uniform(_seed, trap.Key, hourIndex, 6200 + j) * 3), 0.97)]));
        }

        foreach ((int second, (string, int, double)[] detections) in events)
        {
            DateTimeOffset t = hour.AddSeconds(second);
            if (t < _end)
            {
                pending.Add(new Pending(t, trap, "event", CameraEventBody(trap, detections), true));
            }
        }
    }

    private static Func<long?, Sample> CameraEventBody(SimStation trap, (string Species, int Count, double Confidence)[] detections) => seq =>
    {
        string eventId = $"{trap.Id}-{seq:000000}";
        var points = new Dictionary<string, int> { [CameraTrapTrigger] = 1 };
        int species = detections.Select(d => d.Species).Distinct(StringComparer.Ordinal).Count();
        if (species > 0)
        {
            points[CameraTrap] = species;
        }

        return new Sample(DateTimeOffset.MinValue, seq, w =>
        {
            w.WriteString("event_id", eventId);
            w.WriteString("image_uri", $"s3://camera-traps/{trap.Id}/{seq:000000}.jpg");
            w.WriteStartArray("detections");
            foreach ((string name, int count, double confidence) in detections)
            {
                w.WriteStartObject();
                w.WriteString("species", name);
                w.WriteNumber("count", count);
                w.WriteNumber("confidence", confidence);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }, points);
    };

    private static Func<long?, Sample> FireEventBody(PlannedEvent e) => seq => new Sample(DateTimeOffset.MinValue, seq, w =>
    {
        w.WriteString("event_id", $"{e.StationId}-{seq:000000}");
        w.WriteString("detection", e.Subject);
        w.WriteNumber("confidence", e.Confidence);
        if (e.BearingDeg is { } bearing)
        {
            w.WriteNumber("bearing_deg", bearing);
        }
    }, Points(FireEvent));

    private static Dictionary<string, int> Points(string measurement) => new() { [measurement] = 1 };

    private sealed record Pending(DateTimeOffset Time, SimStation Station, string Stream, Func<long?, Sample>? Make, bool NeedsSeq)
    {
        /// <summary>For a lost link: when the connection whose will fires was made.</summary>
        public DateTimeOffset Reconnected { get; init; }
    }
}
