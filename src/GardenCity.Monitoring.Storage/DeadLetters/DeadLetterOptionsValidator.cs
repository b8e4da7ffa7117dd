using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.DeadLetters;

/// <summary>Source-generated validation of <see cref="DeadLetterOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class DeadLetterOptionsValidator : IValidateOptions<DeadLetterOptions>
{
}
