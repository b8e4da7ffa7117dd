using GardenCity.Monitoring.Api.Clock;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Endpoints;

/// <summary>
/// Debris-flow and landslide warnings per hazard unit (docs/geohazard.md, docs/api.md): the figures of the latest stored
/// hour (event time), the thresholds of the rules in force, the warning level of the alerts in force (live), and a
/// unit's event path in its threshold plane with each colour's line.
/// </summary>
internal static class GeohazardEndpoints
{
    /// <summary>Default length of a unit's path when no <c>from</c> is given.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(3);

    public static RouteGroupBuilder MapGeohazard(this RouteGroupBuilder api)
    {
        api.MapGet("/geohazard/units", async (GeohazardQueries q, StationRegistry registry, IGeohazardThresholds thresholds, IAlertQueries alerts, OnlineClock clock, CancellationToken ct) =>
        {
            IReadOnlyDictionary<string, GeohazardPoint> latest = await q.LatestAsync(ct).ConfigureAwait(false);
            IReadOnlyList<AlertNotification>? active = await ActiveAsync(alerts, ct).ConfigureAwait(false);
            DateTimeOffset now = Now(clock, latest.Values);
            return TypedResults.Json(registry.HazardUnits.Select(u => Unit(u, registry, latest.GetValueOrDefault(u.Id), Thresholds(thresholds, u), active, now)), ApiEndpoints.Json);
        }).RequireRateLimiting(ApiLimits.Query)
            .WithSummary("Every hazard unit (debris-flow gully, landslide slope unit): names, site, area, gauges, the figures of its latest stored hour (event time: R, D, mean and maximum 60-min intensity, P_a, effective rain), the thresholds of the rules in force with the colour those figures reach, and the warning level of its alerts in force now.");

        api.MapGet("/geohazard/units/{id}", async (string id, string? from, string? to, GeohazardQueries q, StationRegistry registry, IGeohazardThresholds thresholds, IAlertQueries alerts, OnlineClock clock, IOptions<ApiOptions> o, CancellationToken ct) =>
        {
            HazardUnit unit = registry.HazardUnit(id) ?? throw new NotFoundException($"No hazard unit '{Params.Shorten(id)}' in the registry (the list: /api/v1/geohazard/units).");
            IReadOnlyDictionary<string, GeohazardPoint> latest = await q.LatestAsync(ct).ConfigureAwait(false);
            DateTimeOffset now = Now(clock, latest.Values);
            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, now, o.Value.MaxRange, DefaultRange);
            IReadOnlyList<GeohazardPoint> points = await q.SeriesAsync(unit.Id, start, end, ct).ConfigureAwait(false);
            IReadOnlyList<AlertNotification>? active = await ActiveAsync(alerts, ct).ConfigureAwait(false);
            IReadOnlyList<GeohazardThreshold>? rules = Thresholds(thresholds, unit);
            var shown = Unit(unit, registry, latest.GetValueOrDefault(unit.Id), rules, active, now);
            return TypedResults.Json(new
            {
                shown.Id,
                shown.Kind,
                shown.NameZh,
                shown.NameEn,
                shown.Site,
                shown.SiteZh,
                shown.SiteEn,
                shown.Lat,
                shown.Lon,
                shown.RadiusKm,
                shown.Polygon,
                shown.Gauges,
                shown.Rainfall,
                shown.Figures,
                shown.Level,
                shown.LevelAt,
                shown.Alerts,
                from = start,
                to = end,
                timezone = "Asia/Shanghai",
                points = points.Select(Figures),
                thresholds = rules?.Select(t => new
                {
                    t.Rule,
                    t.NameZh,
                    t.NameEn,
                    form = t.Curve ? "curve" : "combined",
                    rain = t.EffectiveRain ? "effective" : "event",
                    x = t.Curve ? new Axis("duration_h", "h", true) : new Axis(t.EffectiveRain ? "effective_rain_mm" : "event_rain_mm", "mm", false),
                    y = t.Curve ? new Axis(t.EffectiveRain ? "effective_intensity_mm_h" : "mean_intensity_mm_h", "mm/h", true) : new Axis("max_hourly_mm_h", "mm/h", false),
                    levels = t.Levels.Select(l => Level(l)),
                    reached = latest.GetValueOrDefault(unit.Id) is { } p ? GeohazardPlane.Reached(t, p).ToName() : Severity.None.ToName(),
                    lines = t.Levels.Select(l => new { severity = l.Severity.ToName(), l.Fraction, points = GeohazardPlane.Line(t, l) }),
                    path = points.Select(p => (p, at: GeohazardPlane.Position(t, p))).Where(x => x.at is not null).Select(x => new
                    {
                        time = x.p.Time,
                        event_start = x.p.EventStart,
                        x = GeohazardPlane.Round(x.at!.Value.X, 2),
                        y = GeohazardPlane.Round(x.at!.Value.Y, 2),
                        reached = GeohazardPlane.Reached(t, x.p).ToName(),
                    }),
                }),
            }, ApiEndpoints.Json);
        }).RequireRateLimiting(ApiLimits.Query)
            .WithSummary("One hazard unit as in the list, with its stored hourly figures over from/to (default the 3 days up to the API's clock) and, per threshold, the event's path in its plane ((D, I) for a curve, (R, I) for the combined criterion; hours in an event only) and each colour's line, for a chart; an id not in the registry is a 404.");
        return api;
    }

    /// <summary>An axis of a threshold plane: the figure on it, its unit, and whether it is usually drawn in log scale.</summary>
    private sealed record Axis(string Name, string Unit, bool Log);

    private sealed record ShownUnit(
        string Id, string Kind, string NameZh, string NameEn, string Site, string SiteZh, string SiteEn, double Lat, double Lon, double? RadiusKm, IEnumerable<double[]>? Polygon,
        IEnumerable<object> Gauges, object Rainfall, object? Figures, IEnumerable<object>? Thresholds, string? Level, DateTimeOffset LevelAt, IEnumerable<string>? Alerts);

    private static ShownUnit Unit(HazardUnit u, StationRegistry registry, GeohazardPoint? latest, IReadOnlyList<GeohazardThreshold>? thresholds, IReadOnlyList<AlertNotification>? active, DateTimeOffset now)
    {
        List<AlertNotification>? mine = active?.Where(a => a.StationId == u.Id).ToList();
        return new ShownUnit(
            u.Id, u.Kind == HazardUnitKind.DebrisFlow ? "debris-flow" : "landslide", u.NameZh, u.NameEn, u.Site.Id, u.Site.NameZh, u.Site.NameEn, u.Lat, u.Lon, u.RadiusKm,
            u.Polygon?.Select(v => new[] { v.Lat, v.Lon }),
            u.Gauges.Select(g => registry.TryGet(g, out Station? s) ? new { id = g, name_zh = s.NameZh, name_en = s.NameEn } : (object)new { id = g, name_zh = g, name_en = g }),
            new { dry_gap_s = (long)u.DryGap.TotalSeconds, antecedent_k = u.AntecedentK, antecedent_days = u.AntecedentDays },
            latest is null ? null : Figures(latest),
            thresholds?.Select(t => (object)new
            {
                t.Rule,
                t.NameZh,
                t.NameEn,
                form = t.Curve ? "curve" : "combined",
                rain = t.EffectiveRain ? "effective" : "event",
                levels = t.Levels.Select(l => Level(l)),
                reached = latest is null ? Severity.None.ToName() : GeohazardPlane.Reached(t, latest).ToName(),
            }),
            mine is null ? null : mine.Select(a => a.Severity).DefaultIfEmpty(Severity.None).Max().ToName(),
            now,
            mine?.OrderByDescending(a => a.Severity).ThenBy(a => a.AlertId, StringComparer.Ordinal).Select(a => a.AlertId));
    }

    private static object Figures(GeohazardPoint p) => new
    {
        at = p.Time,
        p.Gauge,
        p.InEvent,
        p.EventStart,
        event_rain_mm = GeohazardPlane.Round(p.EventRainMm, 1),
        duration_h = GeohazardPlane.Round(p.DurationH, 2),
        mean_intensity_mm_h = GeohazardPlane.Round(p.MeanIntensityMmH, 1),
        max_hourly_mm_h = GeohazardPlane.Round(p.MaxHourlyMmH, 1),
        antecedent_mm = GeohazardPlane.Round(p.AntecedentMm, 1),
        effective_rain_mm = GeohazardPlane.Round(p.EffectiveRainMm, 1),
        effective_intensity_mm_h = p.DurationH > 0 ? GeohazardPlane.Round(p.EffectiveRainMm / p.DurationH, 1) : 0,
    };

    private static object Level(GeohazardThresholdLevel l) => new { severity = l.Severity.ToName(), l.Fraction, l.A, l.B, l.RainMm, l.IntensityMmH };

    private static IReadOnlyList<GeohazardThreshold>? Thresholds(IGeohazardThresholds thresholds, HazardUnit unit) =>
        thresholds.IsAvailable ? thresholds.ForUnit(unit) : null;

    /// <summary>The alerts in force, or null without the alerting role in this process (the level is then unknown, not "none").</summary>
    private static async Task<IReadOnlyList<AlertNotification>?> ActiveAsync(IAlertQueries alerts, CancellationToken ct) =>
        alerts.IsAvailable ? await alerts.ActiveAsync(ct).ConfigureAwait(false) : null;

    /// <summary>"Now" by the clock policy (the watermark in a replay), the latest stored hour standing for the fleet's latest data.</summary>
    private static DateTimeOffset Now(OnlineClock clock, IEnumerable<GeohazardPoint> latest) =>
        clock.Read(latest.Select(p => (DateTimeOffset?)p.Time)).Now;
}
