using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.ServiceDefaults;

/// <summary>Source-generated validation of <see cref="OtlpOptions"/> (its checks are <see cref="OtlpOptions.Validate"/>).</summary>
[OptionsValidator]
internal sealed partial class OtlpOptionsValidator : IValidateOptions<OtlpOptions>
{
}
