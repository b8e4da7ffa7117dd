using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host;

/// <summary>Registers what the host itself owns: <see cref="HostingOptions"/> and the station registry every role reads.</summary>
internal static class HostingServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="HostingOptions"/> (section <c>GardenCity</c>, validated at start: its annotations, the roles, and
    /// that the registry file loads), the <see cref="StationRegistry"/> loaded from <c>GardenCity:RegistryPath</c>, and
    /// the <see cref="QualityPolicy"/> of <c>GardenCity:Quality:PolicyFile</c> (validated at start the same way).
    /// </summary>
    public static IServiceCollection AddHosting(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptionsWithValidateOnStart<HostingOptions, HostingOptionsValidator>().BindConfiguration(HostingOptions.SectionName);
        // The registry's validator, the quality policy's validator and the registry singleton share one source, so a
        // start parses the registry file once (option validation itself runs more than once).
        services.TryAddSingleton<RegistryFileSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HostingOptions>, RegistryFileValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<RegistryFileSource>().Load(sp.GetRequiredService<IOptions<HostingOptions>>().Value.RegistryPath));

        // The quality policy every role that reads telemetry shares (docs/data-quality.md).
        services.AddOptionsWithValidateOnStart<QualityOptions>().BindConfiguration(QualityOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QualityOptions>, QualityPolicyFileValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<QualityOptions>>().Value.ResolvedPath is { } path
            ? QualityPolicyLoader.LoadFile(path, sp.GetRequiredService<StationRegistry>())
            : QualityPolicy.None);
        return services;
    }
}
