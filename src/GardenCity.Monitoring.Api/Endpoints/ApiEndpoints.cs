using GardenCity.Monitoring.Core.Quality;
using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.Api.Ecology;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Endpoints;

/// <summary>The <c>/api/v1</c> endpoints (docs/api.md).</summary>
internal static class ApiEndpoints
{
    public static RouteGroupBuilder MapApiV1(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup("/api/v1").AddEndpointFilter(new ApiKeyFilter(ApiRole.Reader)).AddEndpointFilter<BadParameterFilter>();

        api.MapGet("/stations", async (HttpContext http, ApiQueries q, StationRegistry registry, LocationProtection protection, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
            TypedResults.Json((await q.StationsAsync(time.GetUtcNow(), o.Value.OfflineAfter, ct).ConfigureAwait(false)).Select(s => Shown(s, registry, protection, http)), Json))
            .RequireRateLimiting(ApiLimits.Query).WithSummary("Every station with last seen, online state, battery, RSSI and its latest reading.");

        api.MapGet("/stations/{id}", async (string id, HttpContext http, ApiQueries q, StationRegistry registry, LocationProtection protection, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            Station station = Params.PathStation(registry, id);
            return TypedResults.Json(Shown((await q.StationsAsync(time.GetUtcNow(), o.Value.OfflineAfter, ct).ConfigureAwait(false)).Single(s => s.Id == station.Id), registry, protection, http), Json);
        }).RequireRateLimiting(ApiLimits.Query).WithSummary("One station.");

        api.MapGet("/stations/{id}/series", async (string id, string? field, string? from, string? to, string? agg, string? window, string? quality, ApiQueries q, StationRegistry registry, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            Station station = Params.PathStation(registry, id);
            string f = Params.Field(station, field ?? throw new BadParameterException("field", "'field' is required; known: " + string.Join(", ", Params.FieldsOf(station)) + "."));
            string aggregation = Params.Aggregation(agg);
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(1));
            TimeSpan w = window is null ? AutoWindow(end - start, o.Value.MaxPoints) : Params.Duration("window", window);
            if ((end - start) / w > o.Value.MaxPoints)
            {
                throw new BadParameterException("window", $"{window} gives {(end - start) / w:0} points; at most {o.Value.MaxPoints} (use a wider window or a shorter range).");
            }

            QualityFlag admit = Params.QualityFilter(quality);
            SeriesAnswer answer = await q.SeriesBySourceAsync(station, f, aggregation, w, start, end, time.GetUtcNow(), ct, admit).ConfigureAwait(false);
            IReadOnlyList<SeriesPoint> points = answer.Points;
            return TypedResults.Json(new
            {
                station = station.Id,
                field = f,
                agg = aggregation,
                window_s = (long)w.TotalSeconds,
                from = start,
                to = end,
                quality = quality ?? "all",
                source = answer.Source,
                raw_from = answer.RawFrom,
                warning_level_m = station.WarningLevelM,
                guaranteed_level_m = station.GuaranteedLevelM,
                points = points.Select(p => new object[] { p.Time, Params.Round(station, f, p.Value), p.Flag.ToWireName() }),
            }, Json);
        }).RequireRateLimiting(ApiLimits.Query).WithSummary("A field of a station over a time range, aggregated per window (mean, max, min, sum), at most MaxPoints points, each [time, value, worst quality flag]; quality=all|usable|good filters flagged values.");

        api.MapGet("/species", async (string? from, string? to, string? site, ApiQueries q, StationRegistry registry, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(30));
            string? s = site is null ? null : Params.Site(registry, site);
            var rows = await q.SpeciesAsync(start, end, s, ct).ConfigureAwait(false);
            return TypedResults.Json(rows.GroupBy(r => r.Species).Select(g => new
            {
                species = g.Key,
                detections = g.Sum(r => r.Detections),
                individuals = g.Sum(r => r.Individuals),
                sites = g.Select(r => new { site = r.Site, detections = r.Detections, individuals = r.Individuals }),
            }), Json);
        }).RequireRateLimiting(ApiLimits.Query).WithSummary("Species detected in a period, with detection and individual counts per site.");

        api.MapGet("/species/{species}/detections", async (string species, string? from, string? to, string? interval, string? station, string? site, ApiQueries q, StationRegistry registry, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(30));
            string i = Params.Interval(interval);
            string? st = station is null ? null : Params.Station(registry, station).Id;
            string? si = site is null ? null : Params.Site(registry, site);
            string name = Params.Species(species);
            IReadOnlyList<DetectionRecord> records = await q.DetectionsAsync(name, start, end, st, si, ct).ConfigureAwait(false);
            return TypedResults.Json(new
            {
                species = name,
                interval = i,
                from = start,
                to = end,
                station = st,
                site = si,
                timezone = "Asia/Shanghai",
                counts = SpeciesMetrics.Bucket(records.Select(r => r.Time), i, start, end).Select(b => new { start = b.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), detections = b.Count }),
            }, Json);
        }).RequireRateLimiting(ApiLimits.Query).WithSummary("Detections of a species per local day, ISO week or month, for a station, a site or all.");

        api.MapGet("/species/{species}/rai", async (string species, string? from, string? to, string? independence, string? site, ApiQueries q, StationRegistry registry, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(30));
            TimeSpan gap = independence is null ? TimeSpan.FromMinutes(30) : Params.Duration("independence", independence);
            string? si = site is null ? null : Params.Site(registry, site);
            string name = Params.Species(species);
            IReadOnlyList<DetectionRecord> independent = SpeciesMetrics.Independent(await q.DetectionsAsync(name, start, end, null, si, ct).ConfigureAwait(false), gap);
            IReadOnlyDictionary<string, List<DateTimeOffset>> working = await q.WorkingEvidenceAsync(start, end, ct).ConfigureAwait(false);
            var traps = registry.Stations.Where(s => s.Kind == StationKind.CameraTrap && (si is null || s.Site.Id == si)).OrderBy(s => s.Id, StringComparer.Ordinal)
                .Select(s => (Station: s, Detections: independent.Count(r => r.Station == s.Id), Nights: SpeciesMetrics.TrapNights(working.GetValueOrDefault(s.Id) ?? [], start, end))).ToList();
            int detections = traps.Sum(t => t.Detections), nights = traps.Sum(t => t.Nights);
            return TypedResults.Json(new
            {
                species = name,
                from = start,
                to = end,
                independence_s = (long)gap.TotalSeconds,
                site = si,
                independent_detections = detections,
                trap_nights = nights,
                rai = SpeciesMetrics.Rai(detections, nights),
                stations = traps.Select(t => new { station = t.Station.Id, site = t.Station.Site.Id, independent_detections = t.Detections, trap_nights = t.Nights, rai = SpeciesMetrics.Rai(t.Detections, t.Nights) }),
            }, Json);
        }).RequireRateLimiting(ApiLimits.Query).WithSummary("Relative abundance index: independent detections per 100 trap-nights (trap-nights from the days each camera was seen working).");

        api.MapGet("/species/{species}/activity", async (string species, string? from, string? to, string? independence, string? site, ApiQueries q, StationRegistry registry, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(30));
            TimeSpan gap = independence is null ? TimeSpan.FromMinutes(30) : Params.Duration("independence", independence);
            string? si = site is null ? null : Params.Site(registry, site);
            string name = Params.Species(species);
            IReadOnlyList<DetectionRecord> independent = SpeciesMetrics.Independent(await q.DetectionsAsync(name, start, end, null, si, ct).ConfigureAwait(false), gap);
            return TypedResults.Json(new { species = name, from = start, to = end, timezone = "Asia/Shanghai", independence_s = (long)gap.TotalSeconds, hours = SpeciesMetrics.Activity(independent) }, Json);
        }).RequireRateLimiting(ApiLimits.Query).WithSummary("Diel activity: independent detections by hour of day, Beijing time.");

        api.MapGet("/export/detections.csv", (string? from, string? to, HttpContext http, ApiQueries q, StationRegistry registry, LocationProtection protection, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(30));
            bool exact = ApiRoles.SeesExactLocations(ApiRoles.Of(http));
            return TypedResults.Stream(body => DetectionsCsv.WriteAsync(body, q, registry, s => protection.For(s, exact), start, end, ct), "text/csv; charset=utf-8",
                $"gardencity-detections-{start.ToOffset(Params.Local):yyyyMMdd}-{end.ToOffset(Params.Local):yyyyMMdd}.csv");
        }).RequireRateLimiting(ApiLimits.Export).WithSummary("Every camera-trap detection of a period as CSV (streamed).");

        api.MapGet("/export/telemetry.csv", (string? station, string? from, string? to, ApiQueries q, StationRegistry registry, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            Station s = Params.Station(registry, station ?? throw new BadParameterException("station", "'station' is required: the id of a weather, water-level or fire station."), "station");
            if (s.Kind == StationKind.CameraTrap)
            {
                throw new BadParameterException("station", $"'{s.Id}' is a camera trap, which sends no telemetry; use /api/v1/export/detections.csv.");
            }

            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(1));
            return TypedResults.Stream(body => TelemetryCsv.WriteAsync(body, q, s, start, end, ct), "text/csv; charset=utf-8",
                $"gardencity-{s.Id}-{start.ToOffset(Params.Local):yyyyMMdd}-{end.ToOffset(Params.Local):yyyyMMdd}.csv");
        }).RequireRateLimiting(ApiLimits.Export).WithSummary("Every telemetry reading of one station in a period as CSV, raw, with its quality flag and checks (streamed).");

        api.MapGet("/export/camtrap-dp.zip", (string? from, string? to, HttpContext http, ApiQueries q, StationRegistry registry, LocationProtection protection, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(30));
            DateTimeOffset now = time.GetUtcNow();
            bool exact = ApiRoles.SeesExactLocations(ApiRoles.Of(http));
            return TypedResults.Stream(body => CamtrapDp.WriteAsync(body, q, registry, start, end, now, ct, s => protection.For(s, exact)), "application/zip",
                $"gardencity-camtrap-dp-{start.ToOffset(Params.Local):yyyyMMdd}-{end.ToOffset(Params.Local):yyyyMMdd}.zip");
        }).RequireRateLimiting(ApiLimits.Export).WithSummary("A Camtrap DP 1.0 data package (deployments, media, observations, datapackage.json) of a period, for GBIF (streamed).");

        MapAlerts(api);
        api.MapDuty(); // silences and the audit trail (DutyEndpoints)
        api.MapReviews();
        api.MapOccupancy();
        api.MapIndividuals();
        api.MapGeohazard(); // hazard units' figures, thresholds and levels (GeohazardEndpoints)
        api.MapFireWeather(); // daily FWI with the fire season (FireWeatherEndpoints)
        return api;
    }

    /// <summary>A station's state as the caller may see it: camera traps generalised below the reviewer role (docs/ecology.md).</summary>
    private static StationState Shown(StationState state, StationRegistry registry, LocationProtection protection, HttpContext http)
    {
        if (!registry.TryGet(state.Id, out Station? station) || station.Kind != StationKind.CameraTrap)
        {
            return state;
        }

        ShownLocation shown = protection.For(station, ApiRoles.SeesExactLocations(ApiRoles.Of(http)));
        return state with { Lat = shown.Lat, Lon = shown.Lon, CoordinateUncertaintyM = shown.UncertaintyM };
    }

    /// <summary>An alert as the caller may see it: a camera trap's coordinates generalised below the reviewer role (sensitive rules carry none at all).</summary>
    internal static AlertNotification Shown(AlertNotification alert, StationRegistry registry, LocationProtection protection, HttpContext http)
    {
        if (alert.Lat is null || !registry.TryGet(alert.StationId, out Station? station) || station.Kind != StationKind.CameraTrap)
        {
            return alert;
        }

        ShownLocation shown = protection.For(station, ApiRoles.SeesExactLocations(ApiRoles.Of(http)));
        return alert with { Lat = shown.Lat, Lon = shown.Lon };
    }

    private static void MapAlerts(RouteGroupBuilder api)
    {
        api.MapGet("/alerts/active", async (HttpContext http, IAlertQueries alerts, StationRegistry registry, LocationProtection protection, CancellationToken ct) =>
            TypedResults.Json((await alerts.ActiveAsync(ct).ConfigureAwait(false)).Select(a => Shown(a, registry, protection, http)), AlertNotification.Json))
            .WithSummary("Alerts in force, each as its latest change (the notification JSON); needs the alerting role in the same process.");

        api.MapGet("/alerts/cap.atom", (string? lang, HttpContext http, IAlertQueries alerts) =>
            TypedResults.Text(alerts.CapAtom($"{http.Request.Scheme}://{http.Request.Host}/api/v1", lang switch
            {
                null or "zh" => "zh",
                "en" => "en",
                _ => throw new BadParameterException("lang", $"'{Params.Shorten(lang)}' is not one of zh, en."),
            }), "application/atom+xml; charset=utf-8"))
            .WithSummary("Atom feed of the CAP 1.2 messages of emergency alerts (the latest 500); lang=zh (the default) or en titles the feed and its entries.");

        api.MapGet("/alerts/cap/{file}", (string file, IAlertQueries alerts) =>
            file.EndsWith(".xml", StringComparison.Ordinal) && alerts.CapMessage(file[..^4]) is { } xml
                ? (IResult)TypedResults.Text(xml, "application/cap+xml; charset=utf-8")
                : Problems.Status(StatusCodes.Status404NotFound, $"No CAP message '{Params.Shorten(file)}'."))
            .WithSummary("One CAP 1.2 message, by its identifier.");

        api.MapGet("/alerts/history", async (string? from, string? to, string? rule, string? station, string? severity, string? audience, string? transition, string? alert, int? limit, ApiQueries q, StationRegistry registry, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            string? alertId = alert is null ? null : Params.Token("alert", alert);

            // One alert's timeline: without a period, from the raise its id names up to MaxRange after it (a replayed
            // storm's alert is years before the wall clock's default week).
            (DateTimeOffset start, DateTimeOffset end) = alertId is not null && from is null && to is null && Params.RaisedAt(alertId) is { } raised
                ? (raised, raised + o.Value.MaxRange)
                : Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(7));
            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            if (rule is not null)
            {
                tags["rule"] = Params.Token("rule", rule);
            }

            if (station is not null)
            {
                tags["station"] = Params.Station(registry, station).Id;
            }

            if (severity is not null)
            {
                tags["severity"] = severity is "info" or "blue" or "yellow" or "orange" or "red" ? severity : throw new BadParameterException("severity", $"'{Params.Shorten(severity)}' is not one of info, blue, yellow, orange, red.");
            }

            if (audience is not null)
            {
                tags["audience"] = audience is "emergency" or "ecology" or "maintenance" ? audience : throw new BadParameterException("audience", $"'{Params.Shorten(audience)}' is not one of emergency, ecology, maintenance.");
            }

            if (transition is not null)
            {
                tags["transition"] = transition is "raised" or "escalated" or "deescalated" or "resolved" or "acknowledged" or "late" or "stale" or "lostcontact" or "contactrestored" or "closed" or "updated" ? transition : throw new BadParameterException("transition", $"'{Params.Shorten(transition)}' is not a transition.");
            }

            int n = limit ?? 500;
            if (n is < 1 or > 10_000)
            {
                throw new BadParameterException("limit", "'limit' must be 1–10000.");
            }

            return TypedResults.Json(await q.AlertHistoryAsync(start, end, tags, n, ct, alertId).ConfigureAwait(false), Json);
        }).WithSummary("Alert changes from the history, newest first, filtered by rule, station, severity, audience, transition, alert (one alert's timeline).");

        api.MapGet("/alerts/{id}/deliveries", (string id, IAlertDeliveries deliveries) =>
            TypedResults.Json(deliveries.For(Params.Token("id", id)), AlertNotification.Json))
            .WithSummary("Duty-room deliveries of an alert: per revision, channel and recipient the latest status (retrying, sent, failed, gave_up) with rounds and reason (docs/duty-room.md); needs the alerting role in the same process.");

        api.MapGet("/alerts/{id}/escalation", (string id, IAlertEscalations escalations) =>
            escalations.Find(Params.Token("id", id)) is { } escalation
                ? TypedResults.Json(escalation, AlertNotification.Json)
                : Problems.Status(StatusCodes.Status404NotFound, $"No escalation for alert '{Params.Shorten(id)}' (no escalation policy took it, or it ended over a week ago)."))
            .WithSummary("Escalation state of an alert: policy, current tier, next tier and when it is due, who or what stopped it, every step (docs/duty-room.md, \"Escalation\"); needs the alerting role in the same process.");

        api.MapPost("/alerts/{id}/ack", async (string id, HttpContext http, IAlertAcknowledger alerting, CancellationToken ct) =>
        {
            string by = (string)http.Items[ApiKeyFilter.CallerItem]!;
            AlertNotification? alert = await alerting.AcknowledgeAsync(Params.Token("id", id), by, ct).ConfigureAwait(false);
            return alert is null ? Problems.Status(StatusCodes.Status404NotFound, $"No active alert '{Params.Shorten(id)}'.") : TypedResults.Json(alert, AlertNotification.Json);
        }).AddEndpointFilter(new ApiKeyFilter(ApiRole.Responder)).WithSummary("Acknowledge an active alert; recorded with the key's name and the time (responder role).");

        api.MapPost("/alerts/{id}/close", async (string id, HttpContext http, IAlertCloser alerting, CancellationToken ct) =>
        {
            string by = (string)http.Items[ApiKeyFilter.CallerItem]!;
            string reason = await CloseReasonAsync(http.Request, ct).ConfigureAwait(false);
            AlertNotification? alert = await alerting.CloseAsync(Params.Token("id", id), by, reason, ct).ConfigureAwait(false);
            return alert is null ? Problems.Status(StatusCodes.Status404NotFound, $"No active alert '{Params.Shorten(id)}'.") : TypedResults.Json(alert, AlertNotification.Json);
        }).AddEndpointFilter(new ApiKeyFilter(ApiRole.Responder)).WithSummary("Close an active alert by hand with a reason, body {\"reason\": \"...\"}; recorded with the key's name, the time and the reason (responder role).");

        api.MapGet("/alerts/stream", async (HttpContext http, IAlertStream feed, StationRegistry registry, LocationProtection protection, CancellationToken ct) =>
        {
            http.Response.Headers.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            await http.Response.WriteAsync(": connected\n\n", ct).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            try
            {
                await foreach (AlertNotification n in feed.SubscribeAsync(ct).ConfigureAwait(false))
                {
                    await http.Response.WriteAsync($"id: {n.NotificationId}\nevent: alert\ndata: {JsonSerializer.Serialize(Shown(n, registry, protection, http), AlertNotification.Json)}\n\n", ct).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }
        }).WithSummary("Server-sent events: every alert change as it happens (event 'alert', JSON data).");
    }

    /// <summary>Longest reason accepted when closing an alert.</summary>
    internal const int MaxCloseReason = 500;

    /// <summary>The <c>reason</c> of a close request body (<c>{"reason": "..."}</c>): required, at most 500 characters, no control characters.</summary>
    internal static async Task<string> CloseReasonAsync(HttpRequest request, CancellationToken ct)
    {
        string? reason = null;
        try
        {
            using JsonDocument body = await JsonDocument.ParseAsync(request.Body, default, ct).ConfigureAwait(false);
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("reason", out JsonElement r) && r.ValueKind == JsonValueKind.String)
            {
                reason = r.GetString()?.Trim();
            }
        }
        catch (JsonException)
        {
            throw new BadParameterException("reason", "The body must be JSON: {\"reason\": \"why the alert is closed\"}.");
        }

        if (string.IsNullOrEmpty(reason))
        {
            throw new BadParameterException("reason", "A reason is required: {\"reason\": \"why the alert is closed\"}.");
        }

        if (reason.Length > MaxCloseReason || reason.Any(char.IsControl))
        {
            throw new BadParameterException("reason", $"The reason must be at most {MaxCloseReason} characters, without control characters.");
        }

        return reason;
    }

    /// <summary>A window giving at most <paramref name="maxPoints"/> points, rounded up to a whole minute, hour or day.</summary>
    internal static TimeSpan AutoWindow(TimeSpan range, int maxPoints)
    {
        double seconds = Math.Max(60, range.TotalSeconds / maxPoints);
        foreach (int step in new[] { 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400 })
        {
            if (step >= seconds)
            {
                return TimeSpan.FromSeconds(step);
            }
        }

        return TimeSpan.FromDays(Math.Ceiling(seconds / 86400));
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All), // Chinese as is; <, >, & still escaped
    };

    /// <summary>Turns <see cref="BadParameterException"/> into a 400 problem naming the parameter, <see cref="NotFoundException"/> into a 404 problem.</summary>
    private sealed class BadParameterFilter : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (BadParameterException ex)
            {
                return Problems.BadParameter(ex);
            }
            catch (NotFoundException ex)
            {
                return Problems.Status(StatusCodes.Status404NotFound, ex.Message);
            }
        }
    }
}
