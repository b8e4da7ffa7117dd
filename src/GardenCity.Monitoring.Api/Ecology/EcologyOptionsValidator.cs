using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Ecology;

/// <summary>Source-generated validation of <see cref="EcologyOptions"/> (the names are <see cref="EcologyOptions.Validate"/>).</summary>
[OptionsValidator]
internal sealed partial class EcologyOptionsValidator : IValidateOptions<EcologyOptions>
{
}
