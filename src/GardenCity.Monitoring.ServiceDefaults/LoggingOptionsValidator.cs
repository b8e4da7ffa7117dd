using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.ServiceDefaults;

/// <summary>Source-generated validation of <see cref="LoggingOptions"/> (its check is <see cref="LoggingOptions.Validate"/>).</summary>
[OptionsValidator]
internal sealed partial class LoggingOptionsValidator : IValidateOptions<LoggingOptions>
{
}
