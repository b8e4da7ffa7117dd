using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// Refuses the start when the quality policy (<c>GardenCity:Quality:PolicyFile</c>) cannot be loaded, with every
/// problem named by file, line, column and field (docs/data-quality.md).
/// </summary>
/// <remarks>
/// It loads the file itself, so the policy singleton (loaded from the validated options) never throws; the registry it
/// checks the policy against comes from the shared <see cref="RegistryFileSource"/> (parsed once per start).
/// </remarks>
internal sealed class QualityPolicyFileValidator(IOptions<HostingOptions> hosting, RegistryFileSource registrySource) : IValidateOptions<QualityOptions>
{
    public ValidateOptionsResult Validate(string? name, QualityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ResolvedPath is not { } path)
        {
            return ValidateOptionsResult.Success;
        }

        StationRegistry registry;
        try
        {
            registry = registrySource.Load(hosting.Value.RegistryPath);
        }
        catch (RegistryException)
        {
            return ValidateOptionsResult.Skip; // the registry's own validator says what is wrong with it
        }

        try
        {
            _ = QualityPolicyLoader.LoadFile(path, registry);
            return ValidateOptionsResult.Success;
        }
        catch (QualityPolicyException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
