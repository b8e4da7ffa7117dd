using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Partitioning;

/// <summary>
/// Refuses a <c>GardenCity:Alerting:OwnedPartitions</c> that does not fit <c>GardenCity:Alerting:Partitions</c>, naming
/// the setting and what to write (the range of <c>Partitions</c> itself is checked by its annotation).
/// </summary>
internal sealed class AlertingPartitionsValidator : IValidateOptions<AlertingOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Partitions < 1)
        {
            return ValidateOptionsResult.Success; // the annotation reports it
        }

        return OwnedPartitions.Parse(options.OwnedPartitions, options.Partitions, out string? error) is null
            ? ValidateOptionsResult.Fail(error!)
            : ValidateOptionsResult.Success;
    }
}
