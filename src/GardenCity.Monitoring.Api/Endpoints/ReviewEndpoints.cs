using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.Api.Ecology;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Endpoints;

/// <summary>Verification of sensitive detections by the reviewer role (docs/ecology.md).</summary>
internal static class ReviewEndpoints
{
    /// <summary>Longest reviewer's comment.</summary>
    internal const int MaxComment = 500;

    public static RouteGroupBuilder MapReviews(this RouteGroupBuilder api)
    {
        api.MapGet("/reviews/queue", async (string? from, string? to, int? limit, ApiQueries q, StationRegistry registry, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(30));
            int n = limit ?? 100;
            if (n is < 1 or > 1000)
            {
                throw new BadParameterException("limit", "'limit' must be 1–1000.");
            }

            var waiting = new List<VerifiedDetection>();
            await foreach (List<VerifiedDetection> group in q.StreamVerifiedAsync(start, end, ct).ConfigureAwait(false))
            {
                waiting.AddRange(group.Where(v => v.Status == VerificationStatus.Unverified));
            }

            var page = waiting.OrderByDescending(v => v.Detection.Confidence).ThenBy(v => v.Detection.Time).Take(n).ToList();
            var items = new List<object>();
            foreach (VerifiedDetection v in page)
            {
                SpeciesDetection d = v.Detection;
                Station? s = registry.TryGet(d.Station, out Station? found) ? found : null;
                items.Add(new
                {
                    station = d.Station,
                    site = s?.Site.Id,
                    station_zh = s?.NameZh,
                    station_en = s?.NameEn,
                    lat = s?.Lat,
                    lon = s?.Lon,
                    time = d.Time,
                    time_local = d.Time.ToOffset(Params.Local),
                    species = d.Species,
                    count = d.Count,
                    confidence = d.Confidence,
                    event_id = d.EventId,
                    image_uri = await q.ImageUriAsync(d.Station, d.Time, ct).ConfigureAwait(false),
                    status = v.StatusName,
                });
            }

            return TypedResults.Json(new { from = start, to = end, waiting = waiting.Count, items }, ApiEndpoints.Json);
        }).AddEndpointFilter(new ApiKeyFilter(ApiRole.Reviewer)).RequireRateLimiting(ApiLimits.Query)
            .WithSummary("Detections of sensitive species waiting for review, most confident first, with the exact place and the image (reviewer role).");

        api.MapGet("/reviews", async (string? from, string? to, ApiQueries q, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(30));
            Verification verification = await q.VerificationAsync(start, end, ct).ConfigureAwait(false);
            return TypedResults.Json(verification.Reviews.OrderBy(r => r.Time).ThenBy(r => r.Station, StringComparer.Ordinal).Select(Shape), ApiEndpoints.Json);
        }).AddEndpointFilter(new ApiKeyFilter(ApiRole.Reviewer)).RequireRateLimiting(ApiLimits.Query)
            .WithSummary("The reviews of the detections of a period: decision, species and count that count, individual, who and when (reviewer role).");

        api.MapPost("/reviews", async (HttpContext http, ApiQueries q, ReviewWriter writer, StationRegistry registry, TimeProvider time, CancellationToken ct) =>
        {
            ReviewRequest request = await ReadAsync(http.Request, registry, ct).ConfigureAwait(false);
            SpeciesDetection stored = await q.DetectionAsync(request.Station, request.Time, request.Species, ct).ConfigureAwait(false)
                ?? throw new NotFoundException($"No detection of '{Params.Shorten(request.Species)}' at {request.Station} at {request.Time:o}.");
            var review = new DetectionReview(stored.Time, stored.Station, stored.Species, request.Decision,
                request.Decision == DetectionReview.Corrected ? request.CorrectedSpecies ?? stored.Species : stored.Species,
                request.Count ?? stored.Count, request.IndividualId, (string)http.Items[ApiKeyFilter.CallerItem]!, time.GetUtcNow(), request.Comment);
            await writer.WriteAsync(review, ct).ConfigureAwait(false);
            return TypedResults.Json(Shape(review), ApiEndpoints.Json);
        }).AddEndpointFilter(new ApiKeyFilter(ApiRole.Reviewer))
            .WithSummary("Confirm, correct (species, count) or reject a detection; optionally name the individual. Body {\"station\", \"time\", \"species\", \"decision\": \"confirm|correct|reject\", \"corrected_species\", \"count\", \"individual_id\", \"comment\"}; recorded with the key's name and the time (reviewer role).");
        return api;
    }

    private static object Shape(DetectionReview r) => new
    {
        station = r.Station,
        time = r.Time,
        machine_species = r.MachineSpecies,
        decision = r.Decision,
        species = r.Species,
        count = r.Count,
        individual_id = r.IndividualId,
        reviewed_by = r.By,
        reviewed_at = r.At,
        comment = r.Comment,
    };

    private sealed record ReviewRequest(string Station, DateTimeOffset Time, string Species, string Decision, string? CorrectedSpecies, long? Count, string? IndividualId, string Comment);

    /// <summary>The body of a review; anything unusable is a 400 naming the field.</summary>
    private static async Task<ReviewRequest> ReadAsync(HttpRequest request, StationRegistry registry, CancellationToken ct)
    {
        JsonElement body;
        try
        {
            using JsonDocument doc = await JsonDocument.ParseAsync(request.Body, default, ct).ConfigureAwait(false);
            body = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new BadParameterException("body", "The body must be JSON: {\"station\": \"…\", \"time\": \"…\", \"species\": \"…\", \"decision\": \"confirm\"}.");
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new BadParameterException("body", "The body must be a JSON object.");
        }

        string? Text(string name, bool required)
        {
            if (body.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.String)
            {
                return e.GetString();
            }

            return required || (body.TryGetProperty(name, out e) && e.ValueKind != JsonValueKind.Null)
                ? throw new BadParameterException(name, $"'{name}' is required, as a string.")
                : null;
        }

        Station station = Params.Station(registry, Text("station", true)!);
        if (station.Kind != StationKind.CameraTrap)
        {
            throw new BadParameterException("station", $"'{station.Id}' is not a camera trap.");
        }

        DateTimeOffset time = Params.Time("time", Text("time", true)!);
        string species = Params.Species(Text("species", true)!);
        string decision = Text("decision", true) switch
        {
            "confirm" => DetectionReview.Confirmed,
            "correct" => DetectionReview.Corrected,
            "reject" => DetectionReview.Rejected,
            var other => throw new BadParameterException("decision", $"'{Params.Shorten(other ?? string.Empty)}' is not one of confirm, correct, reject."),
        };
        string? corrected = Text("corrected_species", false) is { } c ? Params.Species(c) : null;
        long? count = null;
        if (body.TryGetProperty("count", out JsonElement n) && n.ValueKind != JsonValueKind.Null)
        {
            count = n.ValueKind == JsonValueKind.Number && n.TryGetInt64(out long v) && v is >= 1 and <= 1000 ? v : throw new BadParameterException("count", "'count' must be a whole number 1–1000 (the wire contract's range).");
        }

        if (decision == DetectionReview.Corrected && corrected is null && count is null)
        {
            throw new BadParameterException("corrected_species", "A correction needs 'corrected_species', 'count' or both.");
        }

        if (decision != DetectionReview.Corrected && corrected is not null)
        {
            throw new BadParameterException("corrected_species", "'corrected_species' goes with \"decision\": \"correct\".");
        }

        string? individual = Text("individual_id", false) is { } i ? Params.Token("individual_id", i) : null;
        if (individual is not null && decision == DetectionReview.Rejected)
        {
            throw new BadParameterException("individual_id", "A rejected detection has no individual.");
        }

        string comment = (Text("comment", false) ?? string.Empty).Trim();
        if (comment.Length > MaxComment || comment.Any(char.IsControl))
        {
            throw new BadParameterException("comment", $"The comment must be at most {MaxComment} characters, without control characters.");
        }

        return new ReviewRequest(station.Id, time, species, decision, corrected, count, individual, comment);
    }
}
