using System.Globalization;
using System.Text;
using GardenCity.Monitoring.Api.Ecology;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Endpoints;

/// <summary>Data ready for analysis: species richness, naive occupancy and detection histories (docs/ecology.md).</summary>
internal static class OccupancyEndpoints
{
    /// <summary>Labels of the wire contract that are not species.</summary>
    private static readonly HashSet<string> NotSpecies = new(StringComparer.Ordinal) { "human", "vehicle", "unknown" };

    public static RouteGroupBuilder MapOccupancy(this RouteGroupBuilder api)
    {
        api.MapGet("/occupancy", async (string? from, string? to, string? site, ApiQueries q, StationRegistry registry, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(30));
            string? si = site is null ? null : Params.Site(registry, site);
            IReadOnlyDictionary<string, List<DateTimeOffset>> evidence = await q.WorkingEvidenceAsync(start, end, ct).ConfigureAwait(false);
            var found = new HashSet<(string Station, string Species)>();
            var detections = new Dictionary<(string Site, string Species), int>();
            await foreach (List<VerifiedDetection> group in q.StreamVerifiedAsync(start, end, ct).ConfigureAwait(false))
            {
                foreach (VerifiedDetection v in group.Where(v => v.Counts && !NotSpecies.Contains(v.Detection.Species)))
                {
                    found.Add((v.Detection.Station, v.Detection.Species));
                    string s = registry.TryGet(v.Detection.Station, out Station? st) ? st.Site.Id : string.Empty;
                    detections[(s, v.Detection.Species)] = detections.GetValueOrDefault((s, v.Detection.Species)) + 1;
                }
            }

            var sites = registry.Stations.Where(s => s.Kind == StationKind.CameraTrap && (si is null || s.Site.Id == si)).GroupBy(s => s.Site.Id).OrderBy(g => g.Key, StringComparer.Ordinal);
            return TypedResults.Json(new
            {
                from = start,
                to = end,
                timezone = "Asia/Shanghai",
                sites = sites.Select(g =>
                {
                    var working = g.Where(s => Occupancy.WorkingDays(evidence.GetValueOrDefault(s.Id) ?? [], start, end).Count > 0).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
                    var species = found.Where(f => g.Any(s => s.Id == f.Station)).Select(f => f.Species).Distinct().Order(StringComparer.Ordinal).ToList();
                    return new
                    {
                        site = g.Key,
                        camera_traps = g.Count(),
                        cameras_working = working.Count,
                        richness = species.Count,
                        species = species.Select(name =>
                        {
                            int detecting = found.Count(f => f.Species == name && working.Contains(f.Station));
                            return new { species = name, detections = detections.GetValueOrDefault((g.Key, name)), cameras_detecting = detecting, naive_occupancy = Occupancy.Naive(detecting, working.Count) };
                        }),
                    };
                }),
            }, ApiEndpoints.Json);
        }).RequireRateLimiting(ApiLimits.Query)
            .WithSummary("Per site: camera traps working in the period, observed species richness, and per species the cameras that detected it and the naive occupancy (detecting ÷ working cameras); detections that count only.");

        api.MapGet("/export/detection-history.csv", async (string? species, string? from, string? to, string? site, string? occasion, int? min_days, ApiQueries q, StationRegistry registry, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            string name = Params.Species(species ?? throw new BadParameterException("species", "'species' is required: a scientific name, e.g. Capreolus pygargus."));
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(28));
            string? si = site is null ? null : Params.Site(registry, site);
            TimeSpan length = occasion is null ? TimeSpan.FromDays(7) : Params.Duration("occasion", occasion);
            if (length.Ticks % TimeSpan.TicksPerDay != 0 || length < TimeSpan.FromDays(1) || length > TimeSpan.FromDays(366))
            {
                throw new BadParameterException("occasion", $"'{Params.Shorten(occasion ?? string.Empty)}' is not a whole number of days from 1d to 366d (e.g. 7d).");
            }

            int days = (int)length.TotalDays;
            int minDays = min_days ?? 1;
            if (minDays < 1 || minDays > days)
            {
                throw new BadParameterException("min_days", $"'min_days' must be 1–{days} (the occasion's length in days).");
            }

            IReadOnlyList<DetectionRecord> records = await q.DetectionsAsync(name, start, end, null, si, ct).ConfigureAwait(false);
            IReadOnlyDictionary<string, List<DateTimeOffset>> evidence = await q.WorkingEvidenceAsync(start, end, ct).ConfigureAwait(false);
            IReadOnlyList<DateOnly[]> occasions = Occupancy.Occasions(start, end, days);
            var csv = new StringBuilder("site");
            for (int i = 1; i <= occasions.Count; i++)
            {
                csv.Append(CultureInfo.InvariantCulture, $",y.{i}");
            }

            csv.Append('\n');
            foreach (Station s in registry.Stations.Where(s => s.Kind == StationKind.CameraTrap && (si is null || s.Site.Id == si)).OrderBy(s => s.Id, StringComparer.Ordinal))
            {
                int?[] history = Occupancy.History(occasions, Occupancy.WorkingDays(evidence.GetValueOrDefault(s.Id) ?? [], start, end), records.Where(r => r.Station == s.Id).Select(r => r.Time), minDays);
                csv.Append(s.Id).Append(',').AppendJoin(',', history.Select(h => h is { } v ? v.ToString(CultureInfo.InvariantCulture) : "NA")).Append('\n');
            }

            return TypedResults.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8",
                $"gardencity-detection-history-{name.Replace(' ', '_')}-{start.ToOffset(Params.Local):yyyyMMdd}-{end.ToOffset(Params.Local):yyyyMMdd}.csv");
        }).RequireRateLimiting(ApiLimits.Export)
            .WithSummary("Detection history of a species for occupancy models: one row per camera trap, one column y.1..y.J per occasion of 'occasion' days (7d), 1 detected / 0 working but not detected / NA not working (fewer than min_days working days), as R's unmarked reads it.");
        return api;
    }
}
