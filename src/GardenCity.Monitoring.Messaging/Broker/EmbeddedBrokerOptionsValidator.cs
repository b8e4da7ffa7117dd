using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>Source-generated validation of <see cref="EmbeddedBrokerOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class EmbeddedBrokerOptionsValidator : IValidateOptions<EmbeddedBrokerOptions>
{
}
