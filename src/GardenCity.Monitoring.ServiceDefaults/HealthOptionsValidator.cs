using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.ServiceDefaults;

/// <summary>Source-generated validation of <see cref="HealthOptions"/> (its URL and certificate checks are <see cref="HealthOptions.Validate"/>).</summary>
[OptionsValidator]
internal sealed partial class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
}
