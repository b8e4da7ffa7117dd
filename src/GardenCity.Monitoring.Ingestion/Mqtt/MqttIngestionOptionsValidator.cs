using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Ingestion.Mqtt;

/// <summary>Source-generated validation of <see cref="MqttIngestionOptions"/> data annotations.</summary>
[OptionsValidator]
internal sealed partial class MqttIngestionOptionsValidator : IValidateOptions<MqttIngestionOptions>
{
}
