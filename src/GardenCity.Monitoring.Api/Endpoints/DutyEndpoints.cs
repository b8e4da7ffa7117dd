using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Endpoints;

/// <summary>The duty room's silences and audit trail under <c>/api/v1</c> (docs/api.md, docs/duty-room.md).</summary>
internal static class DutyEndpoints
{
    /// <summary>How long a silence that is over stays in <c>GET /api/v1/silences</c>.</summary>
    internal static readonly TimeSpan RecentSilences = TimeSpan.FromDays(7);

    public static void MapDuty(this RouteGroupBuilder api)
    {
        api.MapGet("/silences", (ISilences silences, TimeProvider time) =>
        {
            DateTimeOffset now = time.GetUtcNow();
            return TypedResults.Json(silences.List(RecentSilences).Select(s => View(s, now)), ApiEndpoints.Json);
        }).WithSummary("Silences (maintenance windows) not yet over and those over in the last 7 days, newest first, each with its state: pending, active, expired or ended.");

        api.MapPost("/silences", async (HttpContext http, ISilences silences, StationRegistry registry, TimeProvider time, CancellationToken ct) =>
        {
            string by = (string)http.Items[ApiKeyFilter.CallerItem]!;
            var role = (ApiRole)http.Items[ApiKeyFilter.RoleItem]!;
            JsonElement body;
            try
            {
                using JsonDocument document = await JsonDocument.ParseAsync(http.Request.Body, default, ct).ConfigureAwait(false);
                body = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new BadParameterException("(body)", $"The body is not JSON ({ex.Message}); e.g. {{\"matchers\": {{\"station\": \"bhs-wx-01\"}}, \"reason\": \"…\", \"duration\": \"2h\"}}.");
            }

            DateTimeOffset now = time.GetUtcNow();
            SilenceRequest request;
            try
            {
                request = SilenceRequest.Parse(body, registry, now, role, by);
            }
            catch (SilenceForbiddenException ex)
            {
                return Problems.Status(StatusCodes.Status403Forbidden, ex.Message);
            }

            Silence silence = silences.Create(request.Matchers, by, request.Reason, request.StartsAt, request.EndsAt);
            return TypedResults.Json(View(silence, now), ApiEndpoints.Json, statusCode: StatusCodes.Status201Created);
        }).AddEndpointFilter(new ApiKeyFilter(ApiRole.Responder))
          .WithSummary("Create a silence: body {\"matchers\": {rule, station, site, watershed, audience, severity (the highest covered)}, \"reason\", \"starts_at\" (default now), \"ends_at\" or \"duration\"}; responder role, admin for one that could cover emergency red alerts.");

        api.MapDelete("/silences/{id}", (string id, HttpContext http, ISilences silences, TimeProvider time) =>
        {
            string by = (string)http.Items[ApiKeyFilter.CallerItem]!;
            return silences.Expire(Params.Token("id", id), by) is { } s
                ? (IResult)TypedResults.Json(View(s, time.GetUtcNow()), ApiEndpoints.Json)
                : Problems.Status(StatusCodes.Status404NotFound, $"No silence '{Params.Shorten(id)}'.");
        }).AddEndpointFilter(new ApiKeyFilter(ApiRole.Responder)).WithSummary("End a silence now (responder role); what it held back for alerts still active is sent within a tick.");

        api.MapGet("/audit", (string? alert, string? kind, string? who, string? from, string? to, int? limit, IAuditLog audit, IOptions<ApiOptions> o, TimeProvider time) =>
            TypedResults.Json(audit.Query(Query(alert, kind, who, from, to, limit, o.Value, time, 500)).Select(View), ApiEndpoints.Json))
            .WithSummary("The audit trail, newest first: alert changes, duty-room deliveries, silences, rule reloads, with who and when; filters alert, kind (a prefix when it ends with '.'), who, from, to (default the last 7 days; with alert, the longest range allowed), limit (default 500, at most 10000).");

        api.MapGet("/export/audit.csv", (string? alert, string? kind, string? who, string? from, string? to, int? limit, IAuditLog audit, IOptions<ApiOptions> o, TimeProvider time) =>
        {
            AuditQuery q = Query(alert, kind, who, from, to, limit, o.Value, time, 10_000);
            IReadOnlyList<AuditEntry> entries = audit.Query(q);
            return TypedResults.Stream(async body =>
            {
                await using var writer = new StreamWriter(body, new System.Text.UTF8Encoding(false), leaveOpen: true);
                await writer.WriteAsync(AuditCsv.Header).ConfigureAwait(false);
                foreach (AuditEntry e in entries)
                {
                    await writer.WriteAsync(AuditCsv.Row(e)).ConfigureAwait(false);
                }
            }, "text/csv; charset=utf-8", $"gardencity-audit-{q.From.ToOffset(Params.Local):yyyyMMdd}-{q.To.ToOffset(Params.Local):yyyyMMdd}.csv");
        }).RequireRateLimiting(ApiLimits.Export).WithSummary("The audit trail as CSV (same filters as /api/v1/audit; limit default and at most 10000), newest first.");
    }

    private static AuditQuery Query(string? alert, string? kind, string? who, string? from, string? to, int? limit, ApiOptions options, TimeProvider time, int defaultLimit)
    {
        // One alert's trail reaches back as far as a range may (an alert can be active for weeks); otherwise the last 7 days.
        (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), options.MaxRange, alert is null ? TimeSpan.FromDays(7) : options.MaxRange);
        int n = limit ?? defaultLimit;
        if (n is < 1 or > 10_000)
        {
            throw new BadParameterException("limit", "'limit' must be 1–10000.");
        }

        if (kind is not null && (kind.Length > 64 || !kind.All(c => char.IsAsciiLetterLower(c) || c is '.' or '_')))
        {
            throw new BadParameterException("kind", $"'{Params.Shorten(kind)}' is not a kind: e.g. alert.raised, notification.sent, silence.created, or a prefix ending with '.' (silence.).");
        }

        return new AuditQuery(start, end.AddTicks(1), alert is null ? null : Params.Token("alert", alert), kind, who is null ? null : Params.Token("who", who), n);
    }

    private static object View(AuditEntry e) => new
    {
        at = e.At,
        at_local = e.At.ToOffset(Params.Local).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        kind = e.Kind,
        who = e.Who,
        alert_id = e.AlertId,
        target = e.Target,
        detail = e.Detail,
    };

    private static object View(Silence s, DateTimeOffset now) => new
    {
        id = s.Id,
        state = s.StateAt(now),
        matchers = new
        {
            rule = s.Matchers.Rule,
            station = s.Matchers.Station,
            site = s.Matchers.Site,
            watershed = s.Matchers.Watershed,
            audience = s.Matchers.Audience?.ToString().ToLowerInvariant(),
            severity = s.Matchers.Severity?.ToName(),
        },
        created_by = s.CreatedBy,
        reason = s.Reason,
        starts_at = s.StartsAt,
        ends_at = s.EndsAt,
        until = s.Until,
        created_at = s.CreatedAt,
        ended_at = s.EndedAt,
        ended_by = s.EndedBy,
    };
}
