using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Spool;

/// <summary>Source-generated validation of <see cref="SpoolOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class SpoolOptionsValidator : IValidateOptions<SpoolOptions>
{
}
