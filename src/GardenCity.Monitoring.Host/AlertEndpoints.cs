using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// Alert endpoints of the alerting role, on the health listener: <c>GET /alerts</c> (in force, JSON),
/// <c>GET /alerts/cap.atom</c> (Atom feed of CAP 1.2 messages), <c>GET /alerts/cap/{identifier}.xml</c>, and
/// <c>POST /alerts/{id}/ack?by=name</c> with <c>Authorization: Bearer {GardenCity:Alerting:AckToken}</c>. The query API
/// with per-user keys and roles comes with the api role.
/// </summary>
internal static partial class AlertEndpoints
{
    public static void MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/alerts", async (AlertingService alerting, CancellationToken ct) =>
        {
            IReadOnlyList<Alert> active = await alerting.ActiveAsync(ct).ConfigureAwait(false);
            return Results.Json(active, AlertNotification.Json);
        });
        app.MapGet("/alerts/cap.atom", (HttpContext http, AlertingService alerting, TimeProvider time) =>
            Results.Text(alerting.CapFeed.Atom($"{http.Request.Scheme}://{http.Request.Host}", time.GetUtcNow()), "application/atom+xml; charset=utf-8"));
        app.MapGet("/alerts/cap/{file}", (string file, AlertingService alerting) =>
            file.EndsWith(".xml", StringComparison.Ordinal) && alerting.CapFeed.Find(file[..^4]) is { } entry
                ? Results.Text(entry.Xml, "application/cap+xml; charset=utf-8")
                : Results.NotFound());
        app.MapPost("/alerts/{id}/ack", async (string id, string? by, HttpContext http, AlertingService alerting, IOptions<AlertingOptions> options, CancellationToken ct) =>
        {
            string token = options.Value.AckToken;
            string presented = http.Request.Headers.Authorization.ToString();
            if (token.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes("Bearer " + token)))
            {
                return Results.Problem(statusCode: token.Length == 0 ? 403 : 401, title: token.Length == 0 ? "Acknowledging over HTTP is not enabled (GardenCity:Alerting:AckToken)." : "A valid bearer token is required.");
            }

            if (string.IsNullOrWhiteSpace(by) || !Person().IsMatch(by))
            {
                return Results.Problem(statusCode: 400, title: "Query parameter 'by' must name the person acknowledging (1–64 letters, digits, . _ - or space).");
            }

            Alert? alert = await alerting.AcknowledgeAsync(id, by, ct).ConfigureAwait(false);
            return alert is null ? Results.Problem(statusCode: 404, title: $"No active alert '{id}'.") : Results.Json(alert, AlertNotification.Json);
        });
    }

    [GeneratedRegex(@"^[\p{L}\p{N}._ -]{1,64}$")]
    private static partial Regex Person();
}
