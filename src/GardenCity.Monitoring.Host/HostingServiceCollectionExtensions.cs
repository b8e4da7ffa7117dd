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
    /// that the registry file loads) and the <see cref="StationRegistry"/> loaded from <c>GardenCity:RegistryPath</c>.
    /// </summary>
    public static IServiceCollection AddHosting(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptionsWithValidateOnStart<HostingOptions, HostingOptionsValidator>().BindConfiguration(HostingOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HostingOptions>, RegistryFileValidator>());
        services.TryAddSingleton(sp => StationRegistryLoader.LoadFile(sp.GetRequiredService<IOptions<HostingOptions>>().Value.RegistryPath));
        return services;
    }
}
