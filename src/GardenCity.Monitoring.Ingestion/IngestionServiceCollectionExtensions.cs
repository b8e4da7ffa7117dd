using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Ingestion.Health;
using GardenCity.Monitoring.Ingestion.Mqtt;
using GardenCity.Monitoring.Messaging;
using GardenCity.Monitoring.Messaging.Broker;
using GardenCity.Monitoring.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Ingestion;

/// <summary>Registers the ingestion worker.</summary>
public static class IngestionServiceCollectionExtensions
{
    /// <summary>The tag of readiness checks, as the host's <c>/readyz</c> selects them.</summary>
    private const string ReadyTag = "ready";

    /// <summary>The error for <c>GardenCity:Mqtt:SharedGroup</c> in the all-in-one mode.</summary>
    internal const string SharedGroupWithEmbeddedBroker =
        "GardenCity:Mqtt:SharedGroup is set, but this process runs the embedded broker (GardenCity:Mqtt:Host is empty), whose one ingestion worker takes every station message inside the broker: " +
        "for several workers set GardenCity:Mqtt:Host to a broker with shared subscriptions (Mosquitto 2, EMQX; docs/scale-out.md), or remove GardenCity:Mqtt:SharedGroup";

    /// <summary>
    /// Adds the ingestion worker with its decoder, storage and options (validated at start).
    /// The <see cref="StationRegistry"/> must be registered by the caller.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="intercept">
    /// All-in-one mode: take station messages inside the embedded broker (which must be added too) and make them durable
    /// before each station's PUBACK, instead of subscribing as a client.
    /// </param>
    public static IServiceCollection AddIngestion(this IServiceCollection services, bool intercept = false)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddStorage();
        services.AddMetrics();
        services.AddMqttConnection();
        OptionsBuilder<MqttIngestionOptions> mqtt = services.AddOptionsWithValidateOnStart<MqttIngestionOptions, MqttIngestionOptionsValidator>().BindConfiguration(MqttIngestionOptions.SectionName);
        if (intercept)
        {
            // There is no subscription to share in the all-in-one mode: refuse the setting rather than ignore it.
            mqtt.Validate(o => o.SharedGroup.Length == 0, SharedGroupWithEmbeddedBroker);
        }

        services.AddOptionsWithValidateOnStart<WireDecoderOptions, WireDecoderOptionsValidator>().BindConfiguration(WireDecoderOptions.SectionName);
        services.TryAddSingleton(sp => new WireDecoder(sp.GetRequiredService<StationRegistry>(), sp.GetRequiredService<IOptions<WireDecoderOptions>>().Value));
        services.TryAddSingleton<IngestionMetrics>();
        services.TryAddSingleton<IngestionState>();
        services.TryAddSingleton(sp => new QualityChecker(sp.GetService<QualityPolicy>() ?? QualityPolicy.None));
        services.TryAddSingleton<IngestionBatchProcessor>();
        services.AddIngestionResilience();
        if (intercept)
        {
            services.TryAddSingleton<InterceptedIngestionService>();
            services.AddHostedService(sp =>
            {
                InterceptedIngestionService service = sp.GetRequiredService<InterceptedIngestionService>();
                sp.GetRequiredService<EmbeddedBrokerService>().InterceptWith(service);
                return service;
            });
        }
        else
        {
            services.AddHostedService<MqttIngestionService>();
        }

        services.AddHostedService<SpoolReplayService>();

        // Readiness (/readyz, served by the host's service defaults): subscribed, spool, dead-letter bound.
        services.AddHealthChecks()
            .AddCheck<BrokerHealthCheck>("broker", tags: [ReadyTag])
            .AddCheck<SpoolHealthCheck>("spool", tags: [ReadyTag])
            .AddCheck<DeadLetterHealthCheck>("dead-letter", tags: [ReadyTag]);
        return services;
    }
}
