using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting;

/// <summary>Source-generated validation of <see cref="AlertingOptions"/> (webhooks and <c>Cap</c> included).</summary>
[OptionsValidator]
internal sealed partial class AlertingOptionsValidator : IValidateOptions<AlertingOptions>
{
}
