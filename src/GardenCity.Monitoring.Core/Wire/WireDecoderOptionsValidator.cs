using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Core.Wire;

/// <summary>
/// Source-generated validation of <see cref="WireDecoderOptions"/>. Public, unlike the other validators, because both
/// workers that decode (ingestion and alerting) register it and neither may reference the other.
/// </summary>
[OptionsValidator]
public sealed partial class WireDecoderOptionsValidator : IValidateOptions<WireDecoderOptions>
{
}
