using GardenCity.Monitoring.Alerting.Audit;
using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Duty.Silences;
using GardenCity.Monitoring.Core.Audit;
using GardenCity.Monitoring.Core.FireWeather;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Alerting.Worker;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Messaging;
using GardenCity.Monitoring.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting;

/// <summary>Registers the alerting worker.</summary>
public static class AlertingServiceCollectionExtensions
{
    /// <summary>Adds the alerting worker, its notifiers and options. The <see cref="StationRegistry"/> must be registered by the caller.</summary>
    public static IServiceCollection AddAlerting(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddStorage();
        services.AddDownsampling(); // the hourly aggregates: one job per deployment, beside the alerting worker (docs/retention.md)
        services.AddMetrics();
        services.AddHttpClient("gardencity-webhooks");
        services.AddOptionsWithValidateOnStart<AlertingOptions, AlertingOptionsValidator>().BindConfiguration(AlertingOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertingOptions>, AlertingRulesValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertingOptions>, Partitioning.AlertingPartitionsValidator>());
        services.AddDashboardOptions(); // GardenCity:Dashboard, the base of every link to an alert
        services.AddFireSeasonOptions(); // GardenCity:FireSeason, the FWI's season (docs/fire-weather.md)
        services.AddDutyChannels(); // GardenCity:Duty, off by default (docs/duty-room.md)
        services.AddMqttConnection(); // the broker connection the ingestion worker uses too (validated at start)
        services.AddOptionsWithValidateOnStart<WireDecoderOptions, WireDecoderOptionsValidator>().BindConfiguration(WireDecoderOptions.SectionName);
        services.TryAddSingleton(sp => new WireDecoder(sp.GetRequiredService<StationRegistry>(), sp.GetRequiredService<IOptions<WireDecoderOptions>>().Value));
        services.TryAddSingleton<AlertingMetrics>();
        services.TryAddSingleton<CapFeed>();
        services.TryAddSingleton<AlertFeed>();
        services.TryAddSingleton<AlertTopicPublisher>();
        // The audit trail and the silences, in the state folder (docs/duty-room.md, "Audit trail", "Silences").
        services.TryAddSingleton(sp => new AuditFileStore(Path.Combine(sp.GetRequiredService<IOptions<AlertingOptions>>().Value.StateDirectory, "audit")));
        services.TryAddSingleton(sp => new SilenceBook(sp.GetRequiredService<IOptions<AlertingOptions>>().Value.StateDirectory, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<AuditFileStore>()));
        services.TryAddSingleton<NotificationPipeline>();
        services.TryAddSingleton<AlertEngineHost>();
        services.AddHostedService<AlertSubscriptionService>();
        services.TryAddSingleton<AlertingReadiness>();
        services.AddHealthChecks().AddCheck<AlertingHealthCheck>("alerting", tags: ["ready"]); // /readyz: subscribed, not starting

        // What the query API sees of alerting (declared in Core, so neither project references the other).
        services.TryAddSingleton<AlertQueryService>();
        services.AddSingleton<IAlertQueries>(sp => sp.GetRequiredService<AlertQueryService>());
        services.AddSingleton<IAlertAcknowledger>(sp => sp.GetRequiredService<AlertQueryService>());
        services.AddSingleton<IAlertCloser>(sp => sp.GetRequiredService<AlertQueryService>());
        services.AddSingleton<IAlertStream>(sp => sp.GetRequiredService<AlertFeed>());
        services.AddSingleton<Core.Time.IAlertingWatermark>(sp => sp.GetRequiredService<AlertEngineHost>());
        services.AddSingleton<IGeohazardThresholds>(sp => new GeohazardThresholdService(sp.GetRequiredService<AlertEngineHost>()));
        services.AddSingleton<IAlertDeliveries>(sp => sp.GetRequiredService<DutyDeliveryLog>());
        services.AddSingleton<IAlertEscalations>(sp => sp.GetRequiredService<Duty.Escalation.EscalationService>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditFileStore>());
        services.AddSingleton<ISilences>(sp => sp.GetRequiredService<SilenceBook>());
        return services;
    }

    /// <summary>
    /// Adds <see cref="FireSeasonOptions"/> (validated at start, errors naming the key), read from <c>GardenCity:FireSeason</c>.
    /// Once, however often called: the query API registers it too.
    /// </summary>
    public static IServiceCollection AddFireSeasonOptions(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<FireSeasonOptions>)))
        {
            return services;
        }

        services.AddOptionsWithValidateOnStart<FireSeasonOptions>().BindConfiguration(FireSeasonOptions.SectionName);
        services.AddSingleton<IValidateOptions<FireSeasonOptions>, FireSeasonOptionsValidator>();
        return services;
    }

    /// <summary>
    /// Adds <see cref="DashboardOptions"/> (validated at start), read from <c>GardenCity:Dashboard</c> or, when that is
    /// not set, from its deprecated keys (<see cref="DashboardOptions.DeprecatedKeys"/>). Once, however often called.
    /// </summary>
    internal static IServiceCollection AddDashboardOptions(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<DashboardOptions>)))
        {
            return services;
        }

        services.AddOptionsWithValidateOnStart<DashboardOptions>()
            .BindConfiguration(DashboardOptions.SectionName)
            .Configure<IConfiguration>((o, configuration) => o.ApplyDeprecatedKeys(configuration));
        services.AddSingleton<IValidateOptions<DashboardOptions>, DashboardOptionsValidator>();
        return services;
    }
}
