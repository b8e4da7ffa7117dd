using GardenCity.Monitoring.Core.Quality;
using System.Runtime.CompilerServices;
using System.Text.Json;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>A point of a series.</summary>
public sealed record SeriesPoint(DateTimeOffset Time, double Value, QualityFlag Flag = QualityFlag.Good);

/// <summary>Where a series came from (docs/retention.md, "The query API").</summary>
public static class SeriesSources
{
    /// <summary>The raw readings only.</summary>
    public const string Raw = "raw";

    /// <summary>The hourly aggregates only.</summary>
    public const string Hourly = "hourly";

    /// <summary>The hourly aggregates up to <see cref="SeriesAnswer.RawFrom"/>, the raw readings from then on.</summary>
    public const string HourlyAndRaw = "hourly+raw";
}

/// <summary>A series and where it came from.</summary>
/// <param name="Points">The windows, oldest first.</param>
/// <param name="Source">One of <see cref="SeriesSources"/>.</param>
/// <param name="RawFrom">With <see cref="SeriesSources.HourlyAndRaw"/>: the first window read from the raw readings.</param>
public sealed record SeriesAnswer(IReadOnlyList<SeriesPoint> Points, string Source, DateTimeOffset? RawFrom);

/// <summary>A camera-trap trigger (blank ones included).</summary>
public sealed record TriggerRecord(DateTimeOffset Time, string Station, string EventId, string ImageUri, long Detections);

/// <summary>One species detected in a trigger: the trigger's time, station and event.</summary>
public sealed record SpeciesDetection(DateTimeOffset Time, string Station, string Species, long Count, double Confidence, string EventId);

/// <summary>A station's state; <see cref="CoordinateUncertaintyM"/> is set for camera traps (generalised locations, docs/ecology.md).</summary>
public sealed record StationState(
    string Id, string Kind, string NameZh, string NameEn, string Site, string SiteZh, string SiteEn, double Lat, double Lon, double ElevationM,
    string? Watershed, string? Zone, double? WarningLevelM, double? GuaranteedLevelM,
    DateTimeOffset? LastSeen, bool Online, double? BatteryV, double? RssiDbm, DateTimeOffset? LatestTime, IReadOnlyDictionary<string, double> Latest,
    int? CoordinateUncertaintyM = null);

/// <summary>
/// The API's reads from InfluxDB (InfluxQL over /query). Identifiers come only from <see cref="PointMapper"/> and the
/// registry; values only through <see cref="InfluxQl"/> quoting.
/// </summary>
/// <param name="client">InfluxQL client.</param>
/// <param name="registry">The station registry.</param>
/// <param name="clock">The clock policy for online state (Clock/OnlineClock.cs); without it, the <c>now</c> given is used as is.</param>
/// <param name="sensitive">The sensitive species, held until reviewed (docs/ecology.md); without it, none.</param>
/// <param name="time">The wall clock that says which camera-trap records raw retention may no longer hold; the system's without it.</param>
public sealed class ApiQueries(InfluxQlClient client, StationRegistry registry, Clock.OnlineClock? clock = null, Ecology.SensitiveSpecies? sensitive = null, TimeProvider? time = null)
{
    private readonly Ecology.SensitiveSpecies _sensitive = sensitive ?? Ecology.SensitiveSpecies.None;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private static readonly string[] Telemetry = [PointMapper.Weather, PointMapper.WaterLevel, PointMapper.Fire];

    /// <summary>Every station with its last state and latest telemetry.</summary>
    public async Task<IReadOnlyList<StationState>> StationsAsync(DateTimeOffset now, TimeSpan offlineAfter, CancellationToken ct)
    {
        string measurements = string.Join(",", Telemetry.Select(InfluxQl.Identifier));
        IReadOnlyList<InfluxSeries> status = await QueryAsync($"SELECT last(\"online\") AS online, last(\"battery_v\") AS battery_v, last(\"rssi_dbm\") AS rssi_dbm FROM \"station_status\" GROUP BY \"station\"", ct).ConfigureAwait(false);
        IReadOnlyList<InfluxSeries> seen = await QueryAsync($"SELECT last(\"seq\") FROM {measurements},\"camera_trap_trigger\",\"fire_event\" GROUP BY \"station\"", ct).ConfigureAwait(false);
        IReadOnlyList<InfluxSeries> latest = await QueryAsync($"SELECT * FROM {measurements} GROUP BY \"station\" ORDER BY time DESC LIMIT 1", ct).ConfigureAwait(false);
        IReadOnlyList<InfluxSeries> statusTime = await QueryAsync("SELECT last(\"online\") FROM \"station_status\" GROUP BY \"station\"", ct).ConfigureAwait(false);
        var result = new List<StationState>();
        DateTimeOffset? LastSeen(Station s) => seen.Concat(statusTime).Where(x => x.Tags.GetValueOrDefault("station") == s.Id && x.Values.Count > 0).Select(x => (DateTimeOffset?)x.Time(0)).Max();
        if (clock is not null)
        {
            now = clock.Read(registry.Stations.Select(LastSeen)).Now; // replay: the watermark, not the wall clock
        }

        foreach (Station s in registry.Stations.OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            InfluxSeries? st = status.FirstOrDefault(x => x.Tags.GetValueOrDefault("station") == s.Id);
            DateTimeOffset? lastSeen = LastSeen(s);
            InfluxSeries? last = latest.FirstOrDefault(x => x.Tags.GetValueOrDefault("station") == s.Id && x.Values.Count > 0);
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            if (last is not null)
            {
                foreach (string column in last.Columns.Where(c => c is not ("time" or "seq" or "site" or "kind" or "watershed" or "zone")))
                {
                    if (last.Get(0, column) is { ValueKind: JsonValueKind.Number } v)
                    {
                        values[column] = Math.Round(v.GetDouble(), FieldSpecs.Decimals(s.Kind, column), MidpointRounding.AwayFromZero);
                    }
                }
            }

            bool reportedOnline = st is null || st.Get(0, "online").ValueKind != JsonValueKind.False;
            result.Add(new StationState(
                s.Id, s.Kind.ToWireName(), s.NameZh, s.NameEn, s.Site.Id, s.Site.NameZh, s.Site.NameEn, s.Lat, s.Lon, s.ElevationM, s.Watershed, s.Zone, s.WarningLevelM, s.GuaranteedLevelM,
                lastSeen, reportedOnline && lastSeen is { } ls && now - ls <= offlineAfter,
                st is null ? null : Round(Number(st.Get(0, "battery_v")), FieldSpecs.BatteryV), st is null ? null : Round(Number(st.Get(0, "rssi_dbm")), FieldSpecs.RssiDbm),
                last is null ? null : last.Time(0), values));
        }

        return result;
    }

    /// <summary>
    /// A field of a station per window, from the raw readings or, for the part of the range raw retention may no longer
    /// hold, from the hourly aggregates (docs/retention.md, "The query API"). The aggregates are read when the window is
    /// whole hours, the quality filter is <c>all</c> and the range starts before <see cref="RawCompleteFrom"/>; windows
    /// from that time on (aligned to the window) still come from the raw readings.
    /// </summary>
    public async Task<SeriesAnswer> SeriesBySourceAsync(Station station, string field, string agg, TimeSpan window, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, CancellationToken ct, QualityFlag admit = QualityFlag.Bad)
    {
        ArgumentNullException.ThrowIfNull(station);
        DateTimeOffset complete = RawCompleteFrom(now);
        if (admit != QualityFlag.Bad || window < TimeSpan.FromHours(1) || window.Ticks % TimeSpan.TicksPerHour != 0 || from >= complete)
        {
            return new SeriesAnswer(await SeriesAsync(station, field, agg, window, from, to, ct, admit).ConfigureAwait(false), SeriesSources.Raw, null);
        }

        // GROUP BY time() windows start at multiples of the window since the epoch: the first whole window from "complete" on.
        long w = window.Ticks, since = (complete - DateTimeOffset.UnixEpoch).Ticks;
        DateTimeOffset cut = DateTimeOffset.UnixEpoch.AddTicks(since + ((w - (((since % w) + w) % w)) % w));
        if (cut >= to)
        {
            return new SeriesAnswer(await HourlySeriesAsync(station, field, agg, window, from, to, ct).ConfigureAwait(false), SeriesSources.Hourly, null);
        }

        var points = new List<SeriesPoint>(await HourlySeriesAsync(station, field, agg, window, from, cut, ct).ConfigureAwait(false));
        points.AddRange(await SeriesAsync(station, field, agg, window, cut, to, ct, admit).ConfigureAwait(false));
        return new SeriesAnswer(points, SeriesSources.HourlyAndRaw, cut);
    }

    /// <summary>From when the raw readings are certainly all there: <c>now − RawDuration</c> plus a day (InfluxDB drops whole shards).</summary>
    public DateTimeOffset RawCompleteFrom(DateTimeOffset now) => now - client.Retention.RawDuration + TimeSpan.FromDays(1);

    /// <summary>A field per window from the hourly aggregates (exact: means from sums and counts, the worst flag of the hours).</summary>
    private async Task<IReadOnlyList<SeriesPoint>> HourlySeriesAsync(Station station, string field, string agg, TimeSpan window, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        bool status = field is "battery_v" or "rssi_dbm";
        string measurement = (status ? PointMapper.StationStatus : PointMapper.TelemetryMeasurement(station.Kind)) + Storage.Retention.DownsamplePlan.Suffix;
        string F(string stat) => InfluxQl.Identifier(field + stat);
        string flag = status ? string.Empty : $", max({F("_flag")}) AS fl";
        IReadOnlyList<InfluxSeries> series = await QueryAsync(
            $"SELECT sum({F("_sum")}) AS s, sum({F("_count")}) AS n, min({F("_min")}) AS lo, max({F("_max")}) AS hi{flag} FROM {InfluxQl.Identifier(measurement)} WHERE \"station\" = {InfluxQl.StringLiteral(station.Id)} AND time >= {InfluxQl.TimeLiteral(from)} AND time < {InfluxQl.TimeLiteral(to)} GROUP BY time({(long)window.TotalSeconds}s) fill(none)",
            ct, InfluxTarget.Forever).ConfigureAwait(false);
        var points = new List<SeriesPoint>();
        foreach (InfluxSeries s in series)
        {
            for (int i = 0; i < s.Values.Count; i++)
            {
                if (s.Number(i, "n") is not (> 0 and var n) || s.Number(i, "s") is not { } sum)
                {
                    continue;
                }

                double value = agg switch
                {
                    "sum" => sum,
                    "max" => s.Number(i, "hi") ?? double.NaN,
                    "min" => s.Number(i, "lo") ?? double.NaN,
                    _ => sum / n,
                };
                points.Add(new SeriesPoint(s.Time(i), value, s.Number(i, "fl") is { } fl ? (QualityFlag)(int)fl : QualityFlag.Good));
            }
        }

        return points;
    }

    /// <summary>
    /// A field of a station, aggregated per window (GROUP BY time), empty windows left out, each window with the worst
    /// quality flag of the values in it (docs/data-quality.md). <paramref name="admit"/> leaves out values flagged worse.
    /// </summary>
    public async Task<IReadOnlyList<SeriesPoint>> SeriesAsync(Station station, string field, string agg, TimeSpan window, DateTimeOffset from, DateTimeOffset to, CancellationToken ct, QualityFlag admit = QualityFlag.Bad)
    {
        bool status = field is "battery_v" or "rssi_dbm";
        string measurement = status ? PointMapper.StationStatus : PointMapper.TelemetryMeasurement(station.Kind);
        string where = $"FROM {InfluxQl.Identifier(measurement)} WHERE \"station\" = {InfluxQl.StringLiteral(station.Id)} AND time >= {InfluxQl.TimeLiteral(from)} AND time < {InfluxQl.TimeLiteral(to)}";
        string group = $"GROUP BY time({(long)window.TotalSeconds}s) fill(none)";

        // The checks of a value are "check:field" entries of quality_checks, written only for a point in which a check
        // found something (docs/data-quality.md): InfluxQL's regex on the field finds the flagged ones, and a point
        // without the field is good. InfluxQL cannot select "missing or not matching", so a filtered series is
        // aggregated here from the raw values, in the same epoch-aligned windows as GROUP BY time().
        string column = InfluxQl.Identifier(field);
        if (!status && admit < QualityFlag.Bad)
        {
            return await FilteredSeriesAsync(field, column, agg, window, where, admit, ct).ConfigureAwait(false);
        }

        string bad = $"/(^|,)spike:{System.Text.RegularExpressions.Regex.Escape(field)}(,|$)/";
        string doubtful = $"/(^|,)(soft-limit|rate-of-change|stuck|clock-drift):{System.Text.RegularExpressions.Regex.Escape(field)}(,|$)/";
        IReadOnlyList<InfluxSeries> series = await QueryAsync($"SELECT {agg}({column}) AS v {where} {group}", ct).ConfigureAwait(false);
        var flags = new Dictionary<DateTimeOffset, QualityFlag>();
        if (!status)
        {
            foreach ((QualityFlag flag, string pattern) in new[] { (QualityFlag.Doubtful, doubtful), (QualityFlag.Bad, bad) })
            {
                foreach (InfluxSeries s in await QueryAsync($"SELECT count({column}) AS n {where} AND \"quality_checks\" =~ {pattern} {group}", ct).ConfigureAwait(false))
                {
                    for (int i = 0; i < s.Values.Count; i++)
                    {
                        if (s.Number(i, "n") is > 0)
                        {
                            flags[s.Time(i)] = flag; // bad is asked last: the worst wins
                        }
                    }
                }
            }
        }

        return series.SelectMany(s => Enumerable.Range(0, s.Values.Count).Select(i => (s, i)))
            .Where(p => p.s.Get(p.i, "v").ValueKind == JsonValueKind.Number)
            .Select(p => new SeriesPoint(p.s.Time(p.i), p.s.Get(p.i, "v").GetDouble(), flags.GetValueOrDefault(p.s.Time(p.i)))).ToList();
    }

    /// <summary>A series without the values flagged worse than <paramref name="admit"/>, aggregated from the raw rows as they stream in.</summary>
    private async Task<IReadOnlyList<SeriesPoint>> FilteredSeriesAsync(string field, string column, string agg, TimeSpan window, string where, QualityFlag admit, CancellationToken ct)
    {
        var windows = new SortedDictionary<long, (int Count, double Sum, double Min, double Max, QualityFlag Flag)>();
        long width = window.Ticks;
        await foreach ((List<string> columns, IReadOnlyList<JsonElement[]> rows) in StreamRowsAsync($"SELECT {column}, \"quality_checks\" {where}", ct).ConfigureAwait(false))
        {
            int time = columns.IndexOf("time"), value = columns.IndexOf(field), checks = columns.IndexOf("quality_checks");
            foreach (JsonElement[] row in rows)
            {
                if (row[value].ValueKind != JsonValueKind.Number)
                {
                    continue;
                }

                QualityFlag flag = row[checks].ValueKind == JsonValueKind.String ? QualityFlags.Of(QualityFlags.Parse(row[checks].GetString()).GetValueOrDefault(field)) : QualityFlag.Good;
                if (flag > admit)
                {
                    continue;
                }

                long ticks = (InfluxSeriesValues.FromEpochNs(row[time].GetInt64()) - DateTimeOffset.UnixEpoch).Ticks;
                long start = ticks - (((ticks % width) + width) % width);
                double v = row[value].GetDouble();
                windows[start] = windows.TryGetValue(start, out var w)
                    ? (w.Count + 1, w.Sum + v, Math.Min(w.Min, v), Math.Max(w.Max, v), flag > w.Flag ? flag : w.Flag)
                    : (1, v, v, v, flag);
            }
        }

        return windows.Select(w => new SeriesPoint(DateTimeOffset.UnixEpoch.AddTicks(w.Key), agg switch
        {
            "sum" => w.Value.Sum,
            "max" => w.Value.Max,
            "min" => w.Value.Min,
            _ => w.Value.Sum / w.Value.Count,
        }, w.Value.Flag)).ToList();
    }

    /// <summary>
    /// Species detected in the period, with detections and individuals per site: the detections that count (machine
    /// classifications of species that are not sensitive, confirmed and corrected ones; docs/ecology.md), by the species
    /// they count as.
    /// </summary>
    public async Task<IReadOnlyList<(string Species, string Site, long Detections, long Individuals)>> SpeciesAsync(DateTimeOffset from, DateTimeOffset to, string? site, CancellationToken ct)
    {
        var totals = new Dictionary<(string Species, string Site), (long Detections, long Individuals)>();
        await foreach (List<Ecology.VerifiedDetection> group in StreamVerifiedAsync(from, to, ct).ConfigureAwait(false))
        {
            foreach (Ecology.VerifiedDetection v in group.Where(v => v.Counts))
            {
                string s = registry.TryGet(v.Detection.Station, out Station? station) ? station.Site.Id : string.Empty;
                if (site is null || s == site)
                {
                    var t = totals.GetValueOrDefault((v.Detection.Species, s));
                    totals[(v.Detection.Species, s)] = (t.Detections + 1, t.Individuals + v.Detection.Count);
                }
            }
        }

        return totals.Select(t => (t.Key.Species, t.Key.Site, t.Value.Detections, t.Value.Individuals))
            .OrderBy(x => x.Species, StringComparer.Ordinal).ThenBy(x => x.Site, StringComparer.Ordinal).ToList();
    }

    /// <summary>Names of the species stored in the period.</summary>
    public async Task<IReadOnlyCollection<string>> KnownSpeciesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        (await SpeciesAsync(from, to, null, ct).ConfigureAwait(false)).Select(s => s.Species).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Every detection record of a species that counts (optionally at one station or site): the stored ones of that
    /// species not rejected, corrected away or held unverified, and those a reviewer corrected into it.
    /// </summary>
    public async Task<IReadOnlyList<DetectionRecord>> DetectionsAsync(string species, DateTimeOffset from, DateTimeOffset to, string? station, string? site, CancellationToken ct)
    {
        string Where(DateTimeOffset f, DateTimeOffset t) => $"\"species\" = {InfluxQl.StringLiteral(species)} AND {Range(f, t)}"
            + (station is null ? string.Empty : $" AND \"station\" = {InfluxQl.StringLiteral(station)}")
            + (site is null ? string.Empty : $" AND \"site\" = {InfluxQl.StringLiteral(site)}");
        IReadOnlyList<InfluxSeries> series = await CameraQueryAsync((f, t) => $"SELECT \"count\", \"confidence\" FROM \"camera_trap\" WHERE {Where(f, t)} GROUP BY \"station\"", from, to, ct).ConfigureAwait(false);
        Ecology.Verification verification = await VerificationAsync(from, to, ct).ConfigureAwait(false);
        var stored = series.SelectMany(s => Enumerable.Range(0, s.Values.Count).Select(i => verification.Apply(new SpeciesDetection(
            s.Time(i), s.Tags["station"], species, s.Get(i, "count").GetInt64(), s.Get(i, "confidence").GetDouble(), string.Empty))))
            .Where(v => v.Counts && v.Detection.Species == species)
            .Select(v => new DetectionRecord(v.Detection.Time, v.Detection.Station, (int)v.Detection.Count, v.Detection.Confidence));
        var correctedInto = verification.Reviews
            .Where(r => r.Decision == Ecology.DetectionReview.Corrected && r.Species == species && r.MachineSpecies != species
                && (station is null || r.Station == station) && (site is null || (registry.TryGet(r.Station, out Station? st) && st.Site.Id == site)))
            .Select(r => new DetectionRecord(r.Time, r.Station, (int)r.Count, 1.0));
        return stored.Concat(correctedInto).OrderBy(r => r.Time).ToList();
    }

    /// <summary>One stored detection (the machine's), or null.</summary>
    public async Task<SpeciesDetection?> DetectionAsync(string station, DateTimeOffset time, string species, CancellationToken ct)
    {
        IReadOnlyList<InfluxSeries> series = await QueryAsync(
            $"SELECT \"count\", \"confidence\", \"event_id\" FROM \"camera_trap\" WHERE \"station\" = {InfluxQl.StringLiteral(station)} AND \"species\" = {InfluxQl.StringLiteral(species)} AND time = {InfluxQl.TimeLiteral(time)}", ct, CameraTarget(time)).ConfigureAwait(false);
        InfluxSeries? s = series.FirstOrDefault(x => x.Values.Count > 0);
        return s is null ? null : new SpeciesDetection(s.Time(0), station, species, s.Get(0, "count").GetInt64(), s.Get(0, "confidence").GetDouble(), Text(s.Get(0, "event_id")));
    }

    /// <summary>The <c>image_uri</c> of a camera's trigger, or empty.</summary>
    public async Task<string> ImageUriAsync(string station, DateTimeOffset time, CancellationToken ct)
    {
        IReadOnlyList<InfluxSeries> series = await QueryAsync(
            $"SELECT \"image_uri\" FROM \"camera_trap_trigger\" WHERE \"station\" = {InfluxQl.StringLiteral(station)} AND time = {InfluxQl.TimeLiteral(time)}", ct, CameraTarget(time)).ConfigureAwait(false);
        InfluxSeries? s = series.FirstOrDefault(x => x.Values.Count > 0);
        return s is null ? string.Empty : Text(s.Get(0, "image_uri"));
    }

    /// <summary>The reviews stored for detections of the period, with the sensitive species (docs/ecology.md).</summary>
    public async Task<Ecology.Verification> VerificationAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        IReadOnlyList<InfluxSeries> series = await QueryAsync($"SELECT * FROM {InfluxQl.Identifier(Ecology.DetectionReview.Measurement)} WHERE {Range(from, to)}", ct, InfluxTarget.Forever).ConfigureAwait(false);
        var reviews = new List<Ecology.DetectionReview>();
        foreach (InfluxSeries s in series)
        {
            for (int i = 0; i < s.Values.Count; i++)
            {
                string? Text(string column) => s.Get(i, column).ValueKind == JsonValueKind.String ? s.Get(i, column).GetString() : null;
                reviews.Add(new Ecology.DetectionReview(
                    s.Time(i), Text("station") ?? string.Empty, Text("species") ?? string.Empty, Text("decision") ?? string.Empty, Text("reviewed_species") ?? string.Empty,
                    s.Get(i, "count").ValueKind == JsonValueKind.Number ? s.Get(i, "count").GetInt64() : 0, Text("individual_id") is { Length: > 0 } id ? id : null,
                    Text("reviewed_by") ?? string.Empty, DateTimeOffset.TryParse(Text("reviewed_at"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out DateTimeOffset at) ? at : s.Time(i),
                    Text("comment") ?? string.Empty));
            }
        }

        return new Ecology.Verification(_sensitive, reviews);
    }

    /// <summary>
    /// Every detection of the period with its verification (docs/ecology.md), in time order and groups of the same time
    /// (<see cref="StreamDetectionsAsync"/>); the reviews are read first.
    /// </summary>
    public async IAsyncEnumerable<List<Ecology.VerifiedDetection>> StreamVerifiedAsync(DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken ct)
    {
        Ecology.Verification verification = await VerificationAsync(from, to, ct).ConfigureAwait(false);
        await foreach (List<SpeciesDetection> group in StreamDetectionsAsync(from, to, ct).ConfigureAwait(false))
        {
            yield return group.ConvertAll(verification.Apply);
        }
    }

    /// <summary>When each camera trap showed it was working: online status reports and triggers.</summary>
    public async Task<IReadOnlyDictionary<string, List<DateTimeOffset>>> WorkingEvidenceAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        IReadOnlyList<InfluxSeries> status = await CameraQueryAsync((f, t) => $"SELECT \"online\" FROM \"station_status\" WHERE \"kind\" = 'camera-trap' AND {Range(f, t)} GROUP BY \"station\"", from, to, ct).ConfigureAwait(false);
        IReadOnlyList<InfluxSeries> triggers = await CameraQueryAsync((f, t) => $"SELECT \"detections\" FROM \"camera_trap_trigger\" WHERE {Range(f, t)} GROUP BY \"station\"", from, to, ct).ConfigureAwait(false);
        var result = new Dictionary<string, List<DateTimeOffset>>(StringComparer.Ordinal);
        foreach (InfluxSeries s in status.Concat(triggers))
        {
            string id = s.Tags["station"];
            if (!result.TryGetValue(id, out List<DateTimeOffset>? list))
            {
                result[id] = list = [];
            }

            for (int i = 0; i < s.Values.Count; i++)
            {
                if (s.Columns.Contains("online") && s.Get(i, "online").ValueKind == JsonValueKind.False)
                {
                    continue; // the Last Will: not working
                }

                list.Add(s.Time(i));
            }
        }

        return result;
    }

    /// <summary>Rows per piece of a streamed query result (InfluxDB <c>chunk_size</c>).</summary>
    internal const int ChunkSize = 5000;

    /// <summary>
    /// Per camera trap, the first and last sign it was working in the period (an online status report or a trigger):
    /// the deployment span of the Camtrap DP export, from four aggregate queries instead of every report.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, (DateTimeOffset First, DateTimeOffset Last)>> WorkingSpansAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var result = new Dictionary<string, (DateTimeOffset First, DateTimeOffset Last)>(StringComparer.Ordinal);
        foreach (string selector in new[] { "first", "last" })
        {
            // A status report saying offline (the Last Will) is no sign of work.
            IReadOnlyList<InfluxSeries> status = await CameraQueryAsync((f, t) => $"SELECT {selector}(\"online\") FROM \"station_status\" WHERE \"kind\" = 'camera-trap' AND \"online\" = true AND {Range(f, t)} GROUP BY \"station\"", from, to, ct).ConfigureAwait(false);
            IReadOnlyList<InfluxSeries> triggers = await CameraQueryAsync((f, t) => $"SELECT {selector}(\"detections\") FROM \"camera_trap_trigger\" WHERE {Range(f, t)} GROUP BY \"station\"", from, to, ct).ConfigureAwait(false);
            foreach (InfluxSeries s in status.Concat(triggers).Where(s => s.Values.Count > 0))
            {
                string id = s.Tags["station"];
                DateTimeOffset t = s.Time(0);
                result[id] = result.TryGetValue(id, out var span) ? (t < span.First ? t : span.First, t > span.Last ? t : span.Last) : (t, t);
            }
        }

        return result;
    }

    /// <summary>
    /// Camera-trap triggers of the period, streamed from InfluxDB in time order (triggers at the same time by station),
    /// in groups of the same time (the Camtrap DP media table).
    /// </summary>
    public IAsyncEnumerable<List<TriggerRecord>> StreamTriggersAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        SameTimeAsync<TriggerRecord>(CameraRowsAsync((f, t) => $"SELECT \"event_id\", \"image_uri\", \"detections\", \"station\" FROM \"camera_trap_trigger\" WHERE {Range(f, t)}", from, to, ct), columns =>
        {
            int time = columns.IndexOf("time"), eventId = columns.IndexOf("event_id"), image = columns.IndexOf("image_uri"), detections = columns.IndexOf("detections"), station = columns.IndexOf("station");
            return row => new TriggerRecord(InfluxSeriesValues.FromEpochNs(row[time].GetInt64()), row[station].GetString() ?? string.Empty, Text(row[eventId]), Text(row[image]), row[detections].GetInt64());
        }, t => t.Time, (x, y) => string.CompareOrdinal(x.Station, y.Station), ct);

    /// <summary>
    /// Every detection of every species in the period with its event, streamed from InfluxDB in time order (at the
    /// same time by station, then species), in groups of the same time (CSV and Camtrap DP exports).
    /// </summary>
    public IAsyncEnumerable<List<SpeciesDetection>> StreamDetectionsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        SameTimeAsync<SpeciesDetection>(CameraRowsAsync((f, t) => $"SELECT \"count\", \"confidence\", \"event_id\", \"station\", \"species\" FROM \"camera_trap\" WHERE {Range(f, t)}", from, to, ct), columns =>
        {
            int time = columns.IndexOf("time"), count = columns.IndexOf("count"), confidence = columns.IndexOf("confidence"), eventId = columns.IndexOf("event_id"), station = columns.IndexOf("station"), species = columns.IndexOf("species");
            return row => new SpeciesDetection(InfluxSeriesValues.FromEpochNs(row[time].GetInt64()), row[station].GetString() ?? string.Empty, row[species].GetString() ?? string.Empty, row[count].GetInt64(), row[confidence].GetDouble(), Text(row[eventId]));
        }, d => d.Time, (x, y) => string.CompareOrdinal(x.Station, y.Station) is var c && c != 0 ? c : string.CompareOrdinal(x.Species, y.Species), ct);

    /// <summary>
    /// Every telemetry reading of one station in the period, raw, in time order, with its quality flags
    /// (docs/data-quality.md): streamed from InfluxDB in pieces of columns and rows.
    /// </summary>
    public IAsyncEnumerable<(List<string> Columns, IReadOnlyList<JsonElement[]> Rows)> StreamTelemetryAsync(Station station, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(station);
        string fields = string.Join(", ", FieldSpecs.TelemetryFor(station.Kind).Keys.Order(StringComparer.Ordinal)
            .Append("seq").Append(PointMapper.QualityField).Append(PointMapper.QualityChecksField).Select(InfluxQl.Identifier));
        return StreamRowsAsync($"SELECT {fields} FROM {InfluxQl.Identifier(PointMapper.TelemetryMeasurement(station.Kind))} WHERE \"station\" = {InfluxQl.StringLiteral(station.Id)} AND {Range(from, to)}", ct);
    }

    /// <summary>Rows of one-series results as they stream in, each piece with its columns; nothing when the database does not exist yet.</summary>
    private async IAsyncEnumerable<(List<string> Columns, IReadOnlyList<JsonElement[]> Rows)> StreamRowsAsync(string q, [EnumeratorCancellation] CancellationToken ct, InfluxTarget target = InfluxTarget.Raw)
    {
        IAsyncEnumerator<InfluxSeries> pieces = client.StreamAsync(q, ChunkSize, target, ct).GetAsyncEnumerator(ct);
        await using (pieces.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await pieces.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (InvalidOperationException ex) when (InfluxQlClient.IsDatabaseNotFound(ex))
                {
                    yield break; // nothing stored yet
                }

                yield return (pieces.Current.Columns as List<string> ?? [.. pieces.Current.Columns], pieces.Current.Values);
            }
        }
    }

    /// <summary>Rows in groups of the same time, each group sorted by <paramref name="order"/> (InfluxDB gives no order among equal times).</summary>
    private static async IAsyncEnumerable<List<T>> SameTimeAsync<T>(
        IAsyncEnumerable<(List<string> Columns, IReadOnlyList<JsonElement[]> Rows)> pieces, Func<List<string>, Func<JsonElement[], T>> reader, Func<T, DateTimeOffset> time, Comparison<T> order,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var group = new List<T>();
        await foreach ((List<string> columns, IReadOnlyList<JsonElement[]> rows) in pieces.WithCancellation(ct).ConfigureAwait(false))
        {
            Func<JsonElement[], T> read = reader(columns);
            foreach (JsonElement[] row in rows)
            {
                T item = read(row);
                if (group.Count > 0 && time(group[0]) != time(item))
                {
                    group.Sort(order);
                    yield return group;
                    group = [];
                }

                group.Add(item);
            }
        }

        if (group.Count > 0)
        {
            group.Sort(order);
            yield return group;
        }
    }

    private static string Text(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : string.Empty;

    /// <summary>Alert changes from the history (<c>alert_event</c>), newest first; <paramref name="alertId"/> keeps one alert's changes.</summary>
    public async Task<IReadOnlyList<Dictionary<string, object?>>> AlertHistoryAsync(DateTimeOffset from, DateTimeOffset to, IReadOnlyDictionary<string, string> tags, int limit, CancellationToken ct, string? alertId = null)
    {
        string where = Range(from, to) + string.Concat(tags.Select(t => $" AND {InfluxQl.Identifier(t.Key)} = {InfluxQl.StringLiteral(t.Value)}"))
            + (alertId is null ? string.Empty : $" AND \"alert_id\" = {InfluxQl.StringLiteral(alertId)}");
        IReadOnlyList<InfluxSeries> series = await QueryAsync($"SELECT * FROM \"alert_event\" WHERE {where} ORDER BY time DESC LIMIT {limit}", ct, InfluxTarget.Forever).ConfigureAwait(false);
        var rows = new List<Dictionary<string, object?>>();
        foreach (InfluxSeries s in series)
        {
            for (int i = 0; i < s.Values.Count; i++)
            {
                var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (string c in s.Columns)
                {
                    JsonElement v = s.Get(i, c);
                    row[c] = c == "time" ? s.Time(i) : v.ValueKind switch
                    {
                        JsonValueKind.Number => v.GetDouble(),
                        JsonValueKind.String => v.GetString(),
                        JsonValueKind.True or JsonValueKind.False => v.GetBoolean(),
                        _ => null,
                    };
                }

                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>
    /// Where the camera-trap records of [<paramref name="from"/>, <paramref name="to"/>) are read (docs/retention.md,
    /// "The query API"): times before <see cref="RawCompleteFrom"/> from their copies kept for ever, later ones from raw,
    /// in time order; all from raw when nothing is kept apart (then nothing expires).
    /// </summary>
    private List<(DateTimeOffset From, DateTimeOffset To, InfluxTarget Target)> CameraParts(DateTimeOffset from, DateTimeOffset to)
    {
        if (!client.ForeverApart)
        {
            return [(from, to, InfluxTarget.Raw)];
        }

        DateTimeOffset cut = RawCompleteFrom(_time.GetUtcNow());
        var parts = new List<(DateTimeOffset From, DateTimeOffset To, InfluxTarget Target)>(2);
        if (from < cut)
        {
            parts.Add((from, to < cut ? to : cut, InfluxTarget.Forever));
        }

        if (to > cut)
        {
            parts.Add((from > cut ? from : cut, to, InfluxTarget.Raw));
        }

        return parts;
    }

    /// <summary>Where one camera-trap record of <paramref name="time"/> is read (see <see cref="CameraParts"/>).</summary>
    private InfluxTarget CameraTarget(DateTimeOffset time) =>
        client.ForeverApart && time < RawCompleteFrom(_time.GetUtcNow()) ? InfluxTarget.Forever : InfluxTarget.Raw;

    /// <summary>A camera-trap query over each part of the range (<see cref="CameraParts"/>), the series of the parts together.</summary>
    private async Task<IReadOnlyList<InfluxSeries>> CameraQueryAsync(Func<DateTimeOffset, DateTimeOffset, string> query, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var series = new List<InfluxSeries>();
        foreach ((DateTimeOffset f, DateTimeOffset t, InfluxTarget target) in CameraParts(from, to))
        {
            series.AddRange(await QueryAsync(query(f, t), ct, target).ConfigureAwait(false));
        }

        return series;
    }

    /// <summary>A streamed camera-trap query over each part of the range in turn (the parts follow each other in time).</summary>
    private async IAsyncEnumerable<(List<string> Columns, IReadOnlyList<JsonElement[]> Rows)> CameraRowsAsync(
        Func<DateTimeOffset, DateTimeOffset, string> query, DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach ((DateTimeOffset f, DateTimeOffset t, InfluxTarget target) in CameraParts(from, to))
        {
            await foreach ((List<string> Columns, IReadOnlyList<JsonElement[]> Rows) piece in StreamRowsAsync(query(f, t), ct, target).ConfigureAwait(false))
            {
                yield return piece;
            }
        }
    }

    private async Task<IReadOnlyList<InfluxSeries>> QueryAsync(string q, CancellationToken ct, InfluxTarget target = InfluxTarget.Raw)
    {
        try
        {
            return await client.QueryAsync(q, target, ct).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex) when (InfluxQlClient.IsDatabaseNotFound(ex))
        {
            return []; // nothing stored yet
        }
    }

    private static string Range(DateTimeOffset from, DateTimeOffset to) => InfluxQl.TimeRange(from, to);

    private static double? Round(double? value, FieldSpec spec) => value is { } v ? Math.Round(v, spec.Decimals, MidpointRounding.AwayFromZero) : null;

    private static double? Number(JsonElement v) => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
