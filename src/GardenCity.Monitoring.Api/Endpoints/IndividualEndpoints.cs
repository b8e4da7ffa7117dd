using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.Api.Ecology;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Endpoints;

/// <summary>
/// Known individuals and their movements (docs/ecology.md, "Individuals and movement"): from reviewed detections that
/// count and carry an individual id. Camera places follow the protected-locations rules (generalised below reviewer).
/// </summary>
internal static class IndividualEndpoints
{
    /// <summary>Longest individual id accepted in a path.</summary>
    internal const int MaxId = 64;

    public static RouteGroupBuilder MapIndividuals(this RouteGroupBuilder api)
    {
        api.MapGet("/individuals", async (string? from, string? to, string? species, HttpContext http, ApiQueries q, StationRegistry registry, LocationProtection protection, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, o.Value.MaxRange);
            string? name = species is null ? null : Params.Species(species);
            bool exact = ApiRoles.SeesExactLocations(ApiRoles.Of(http));
            IReadOnlyList<IndividualTrack> tracks = await TracksAsync(q, start, end, ct).ConfigureAwait(false);
            return TypedResults.Json(new
            {
                from = start,
                to = end,
                timezone = "Asia/Shanghai",
                individuals = tracks.Where(t => name is null || t.Species == name || t.Species.StartsWith(name + " ", StringComparison.Ordinal))
                    .Select(t => Summary(t, registry, protection, exact)),
            }, ApiEndpoints.Json);
        }).RequireRateLimiting(ApiLimits.Query)
            .WithSummary("Known individuals (reviewed detections with an individual id): first and last seen, the cameras and sites in time order, and the shortest time between two different cameras with the pair; camera places generalised below the reviewer role.");

        api.MapGet("/individuals/{id}", async (string id, string? from, string? to, HttpContext http, ApiQueries q, StationRegistry registry, LocationProtection protection, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            if (id.Length is 0 or > MaxId || id.Any(char.IsControl))
            {
                throw new BadParameterException("id", $"An individual id is 1–{MaxId} characters without control characters.");
            }

            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, o.Value.MaxRange);
            bool exact = ApiRoles.SeesExactLocations(ApiRoles.Of(http));
            IndividualTrack track = (await TracksAsync(q, start, end, ct).ConfigureAwait(false)).FirstOrDefault(t => t.Id == id)
                ?? throw new NotFoundException($"No individual '{Params.Shorten(id)}' was named by a reviewer between {start:o} and {end:o}.");
            return TypedResults.Json(new
            {
                from = start,
                to = end,
                timezone = "Asia/Shanghai",
                individual = Summary(track, registry, protection, exact),
                sightings = track.Sightings.Select(s => Place(s, registry, protection, exact)),
            }, ApiEndpoints.Json);
        }).RequireRateLimiting(ApiLimits.Query)
            .WithSummary("One known individual: its summary and every sighting in time order (time, camera, site, place as the caller may see it, count, who named it).");
        return api;
    }

    private static async Task<IReadOnlyList<IndividualTrack>> TracksAsync(ApiQueries q, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        var named = new List<VerifiedDetection>();
        await foreach (List<VerifiedDetection> group in q.StreamVerifiedAsync(start, end, ct).ConfigureAwait(false))
        {
            named.AddRange(group.Where(v => v.Counts && v.Review is { IndividualId: { Length: > 0 } }));
        }

        return IndividualTrack.From(named);
    }

    private static object Summary(IndividualTrack t, StationRegistry registry, LocationProtection protection, bool exact)
    {
        var cameras = new List<string>();
        var sites = new List<string>();
        foreach (Sighting s in t.Sightings)
        {
            if (cameras.Count == 0 || cameras[^1] != s.Station)
            {
                cameras.Add(s.Station); // the cameras in time order: a return to an earlier camera is listed again
            }

            string site = SiteOf(registry, s.Station);
            if (sites.Count == 0 || sites[^1] != site)
            {
                sites.Add(site);
            }
        }

        return new
        {
            individual_id = t.Id,
            species = t.Species,
            sightings = t.Sightings.Count,
            first_seen = t.FirstSeen,
            first_seen_local = t.FirstSeen.ToOffset(Params.Local),
            last_seen = t.LastSeen,
            last_seen_local = t.LastSeen.ToOffset(Params.Local),
            cameras,
            sites,
            shortest_move = t.ShortestMove is { } m ? new
            {
                seconds = (long)(m.To.Time - m.From.Time).TotalSeconds,
                hours = Math.Round((m.To.Time - m.From.Time).TotalHours, 2),
                from = Place(m.From, registry, protection, exact),
                to = Place(m.To, registry, protection, exact),
            } : null,
        };
    }

    private static object Place(Sighting s, StationRegistry registry, LocationProtection protection, bool exact)
    {
        Station? station = registry.TryGet(s.Station, out Station? found) ? found : null;
        ShownLocation? shown = station is null ? null : protection.For(station, exact);
        return new
        {
            time = s.Time,
            time_local = s.Time.ToOffset(Params.Local),
            station = s.Station,
            station_zh = station?.NameZh,
            station_en = station?.NameEn,
            site = station?.Site.Id,
            lat = shown?.Lat,
            lon = shown?.Lon,
            coordinate_uncertainty_m = shown?.UncertaintyM,
            count = s.Count,
            reviewed_by = s.ReviewedBy,
        };
    }

    private static string SiteOf(StationRegistry registry, string station) => registry.TryGet(station, out Station? s) ? s.Site.Id : string.Empty;
}
