using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api;

/// <summary>Source-generated validation of <see cref="ApiOptions"/> (keys included; the URL rule is <see cref="ApiOptions.Validate"/>).</summary>
[OptionsValidator]
internal sealed partial class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
}
