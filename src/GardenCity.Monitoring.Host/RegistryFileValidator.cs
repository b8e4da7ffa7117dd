using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// Refuses the start when the registry at <c>GardenCity:RegistryPath</c> cannot be loaded, with every problem named by
/// file, line, column and field (the same text as <c>gardencity registry check</c>).
/// </summary>
/// <remarks>It loads the file itself, so the registry singleton (loaded from the validated options) never throws.</remarks>
internal sealed class RegistryFileValidator : IValidateOptions<HostingOptions>
{
    public ValidateOptionsResult Validate(string? name, HostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.RegistryPath))
        {
            return ValidateOptionsResult.Skip; // [Required] says so
        }

        try
        {
            _ = StationRegistryLoader.LoadFile(options.RegistryPath);
            return ValidateOptionsResult.Success;
        }
        catch (RegistryException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
