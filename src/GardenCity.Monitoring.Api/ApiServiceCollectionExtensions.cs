using System.Reflection;
using GardenCity.Monitoring.Api.Alerts;
using GardenCity.Monitoring.Api.Clock;
using GardenCity.Monitoring.Api.Ecology;
using GardenCity.Monitoring.Core.Time;
using GardenCity.Monitoring.Api.Endpoints;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.FireWeather;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api;

/// <summary>Registers and maps the query API and the dashboard.</summary>
public static class ApiServiceCollectionExtensions
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
    };

    /// <summary>Adds the API's services. The <see cref="StationRegistry"/> must be registered by the caller.</summary>
    public static IServiceCollection AddApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddStorage();
        services.AddProblemDetails();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "GardenCity.Monitoring API";
            document.Info.Description = "Stations, reading series, species monitoring (detections, relative abundance, diel activity, Camtrap DP export) and alerts. Send the key in X-Api-Key.";
            return Task.CompletedTask;
        }));
        services.AddOptionsWithValidateOnStart<ApiOptions, ApiOptionsValidator>().BindConfiguration(ApiOptions.SectionName);
        services.TryAddSingleton(sp => new OnlineClock(sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(), sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetService<IAlertingWatermark>()));
        services.AddOptionsWithValidateOnStart<EcologyOptions, EcologyOptionsValidator>().BindConfiguration(EcologyOptions.SectionName);
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<FireSeasonOptions>))) // the alerting worker registers it too
        {
            services.AddOptionsWithValidateOnStart<FireSeasonOptions>().BindConfiguration(FireSeasonOptions.SectionName);
            services.AddSingleton<IValidateOptions<FireSeasonOptions>, FireSeasonOptionsValidator>();
        }

        services.TryAddSingleton(sp => new SensitiveSpecies(sp.GetRequiredService<IOptions<EcologyOptions>>()));
        services.TryAddSingleton<LocationProtection>();
        services.TryAddSingleton<ReviewWriter>();
        services.TryAddSingleton(sp => new FireWeatherQueries(sp.GetRequiredService<InfluxQlClient>()));
        services.TryAddSingleton(sp => new ApiQueries(sp.GetRequiredService<InfluxQlClient>(), sp.GetRequiredService<StationRegistry>(), sp.GetRequiredService<OnlineClock>(), sp.GetRequiredService<SensitiveSpecies>(), sp.GetService<TimeProvider>()));
        services.TryAddSingleton(sp => new GeohazardQueries(sp.GetRequiredService<InfluxQlClient>()));
        services.TryAddSingleton<IGeohazardThresholds>(NoGeohazardThresholds.Instance);
        // Without the alerting role in this process (AddAlerting registers the real ones first), alert endpoints say so.
        services.TryAddSingleton<AlertingNotRunning>();
        services.TryAddSingleton<IAlertQueries>(sp => sp.GetRequiredService<AlertingNotRunning>());
        services.TryAddSingleton<IAlertAcknowledger>(sp => sp.GetRequiredService<AlertingNotRunning>());
        services.TryAddSingleton<IAlertCloser>(sp => sp.GetRequiredService<AlertingNotRunning>());
        services.TryAddSingleton<IAlertStream>(sp => sp.GetRequiredService<AlertingNotRunning>());
        services.TryAddSingleton<IAlertDeliveries>(sp => sp.GetRequiredService<AlertingNotRunning>());
        services.TryAddSingleton<IAlertEscalations>(sp => sp.GetRequiredService<AlertingNotRunning>());
        services.TryAddSingleton<ISilences>(sp => sp.GetRequiredService<AlertingNotRunning>());
        services.TryAddSingleton<Core.Audit.IAuditLog>(sp => sp.GetRequiredService<AlertingNotRunning>());
        services.TryAddSingleton(sp => new Auth.ApiKeyAudit(sp.GetRequiredService<Core.Audit.IAuditLog>()));
        services.AddRateLimiter(ApiLimits.Add);
        return services;
    }

    /// <summary>
    /// Adds the API's middleware, after <c>UseRouting</c>: failures of <c>/api/*</c> as problem responses (InfluxDB
    /// unreachable or timed out: 503 with Retry-After) and the concurrency limits of the heavy endpoints. Endpoints
    /// without a limit policy (health, metrics, dashboard) pass straight through.
    /// </summary>
    public static IApplicationBuilder UseApi(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<ApiFailures>();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Maps <c>/api/v1/*</c>, <c>/api/openapi/v1.json</c> and the dashboard (<c>/</c>), on hosts matching <paramref name="hosts"/>.</summary>
    public static void MapApi(this IEndpointRouteBuilder app, params string[] hosts)
    {
        ArgumentNullException.ThrowIfNull(app);
        RouteGroupBuilder root = app.MapGroup(string.Empty);
        if (hosts.Length > 0)
        {
            root.RequireHost(hosts);
        }

        root.MapApiV1().MapDashboardSupport();
        root.MapOpenApi("/api/openapi/{documentName}.json");
        Assembly assembly = typeof(ApiServiceCollectionExtensions).Assembly;
        root.MapGet("/", () => Static(assembly, "index.html")).ExcludeFromDescription();
        root.MapGet("/{**path}", (string path) => Static(assembly, path)).ExcludeFromDescription();
    }

    private static IResult Static(Assembly assembly, string path)
    {
        if (path.Contains("..", StringComparison.Ordinal) || !ContentTypes.TryGetValue(Path.GetExtension(path), out string? type))
        {
            return Results.NotFound();
        }

        Stream? stream = assembly.GetManifestResourceStream("wwwroot/" + path);
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}
