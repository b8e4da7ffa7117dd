using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host;

/// <summary>Source-generated validation of <see cref="HostingOptions"/> (the roles rule is <see cref="HostingOptions.Validate"/>).</summary>
[OptionsValidator]
internal sealed partial class HostingOptionsValidator : IValidateOptions<HostingOptions>
{
}
