using GardenCity.Monitoring.Messaging.Broker;
using GardenCity.Monitoring.Messaging.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Messaging;

/// <summary>Source-generated validation of <see cref="MqttConnectionOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class MqttConnectionOptionsValidator : IValidateOptions<MqttConnectionOptions>
{
}

/// <summary>Registers the MQTT plumbing the roles share.</summary>
public static class MessagingServiceCollectionExtensions
{
    /// <summary>The tag of readiness checks, as the host's <c>/readyz</c> selects them.</summary>
    private const string ReadyTag = "ready";

    /// <summary>Adds <see cref="MqttConnectionOptions"/> (section <c>GardenCity:Mqtt</c>), validated at start.</summary>
    public static IServiceCollection AddMqttConnection(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptionsWithValidateOnStart<MqttConnectionOptions, MqttConnectionOptionsValidator>().BindConfiguration(MqttConnectionOptions.SectionName);
        return services;
    }

    /// <summary>Adds the embedded MQTT broker; it starts before any worker that connects to it.</summary>
    public static IServiceCollection AddEmbeddedBroker(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptionsWithValidateOnStart<EmbeddedBrokerOptions, EmbeddedBrokerOptionsValidator>().BindConfiguration(EmbeddedBrokerOptions.SectionName);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<BrokerMetrics>();
        services.TryAddSingleton<EmbeddedBrokerService>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBrokerService>());
        // Readiness (/readyz): ready only when a station can connect and publish, i.e. listening and not holding
        // stations back while this process's workers subscribe.
        services.AddHealthChecks().AddCheck<EmbeddedBrokerHealthCheck>("mqtt-broker", tags: [ReadyTag]);
        return services;
    }
}
