using GardenCity.Monitoring.Api.Clock;
using GardenCity.Monitoring.Api.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Endpoints;

/// <summary>What the dashboard needs besides the data: the clock it judges "now" by and the map settings (docs/api.md).</summary>
internal static class DashboardEndpoints
{
    public static RouteGroupBuilder MapDashboardSupport(this RouteGroupBuilder api)
    {
        api.MapGet("/clock", async (ApiQueries q, OnlineClock clock, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            IReadOnlyList<StationState> stations = await q.StationsAsync(time.GetUtcNow(), o.Value.OfflineAfter, ct).ConfigureAwait(false);
            ClockReading reading = clock.Read(stations.Select(s => s.LastSeen));
            return TypedResults.Json(new
            {
                policy = clock.EventTime ? "watermark" : "wall-clock",
                basis = reading.Basis switch { ClockBasis.AlertingWatermark => "alerting-watermark", ClockBasis.LatestData => "latest-data", _ => "wall-clock" },
                now = reading.Now,
                wall_clock = reading.WallClock,
                latest_data = stations.Select(s => s.LastSeen).Max(),
                offline_after_s = (long)o.Value.OfflineAfter.TotalSeconds,
                online = stations.Count(s => s.Online),
                stations = stations.Count,
            }, ApiEndpoints.Json);
        }).RequireRateLimiting(ApiLimits.Query)
            .WithSummary("The API's \"now\" by the clock policy (GardenCity:Alerting:AbsenceClock): the wall clock live, the alerting watermark (else the latest data) in a replay; what online state is judged against.");

        api.MapGet("/map", (IOptions<ApiOptions> o) => TypedResults.Json(new
        {
            tile_url = string.IsNullOrEmpty(o.Value.MapTileUrl) ? null : o.Value.MapTileUrl,
            attribution = string.IsNullOrEmpty(o.Value.MapAttribution) ? null : o.Value.MapAttribution,
        }, ApiEndpoints.Json)).WithSummary("The dashboard's map settings: the tile server URL template (GardenCity:Api:MapTileUrl, null: the offline view) and its attribution.");
        return api;
    }
}
