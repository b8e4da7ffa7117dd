using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// Refuses the start when the registry at <c>GardenCity:RegistryPath</c> cannot be loaded, with every problem named by
/// file, line, column and field (the same text as <c>gardencity registry check</c>).
/// </summary>
/// <remarks>
/// It loads the file through the shared <see cref="RegistryFileSource"/>, so the registry singleton (loaded from the
/// validated options) never throws and the file is parsed once per start.
/// </remarks>
internal sealed class RegistryFileValidator(RegistryFileSource source) : IValidateOptions<HostingOptions>
{
    /// <summary>A validator with its own source (tests).</summary>
    public RegistryFileValidator()
        : this(new RegistryFileSource())
    {
    }

    public ValidateOptionsResult Validate(string? name, HostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.RegistryPath))
        {
            return ValidateOptionsResult.Skip; // [Required] says so
        }

        try
        {
            _ = source.Load(options.RegistryPath);
            return ValidateOptionsResult.Success;
        }
        catch (RegistryException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
