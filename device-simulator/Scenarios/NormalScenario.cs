namespace GardenCity.Monitoring.DeviceSimulator.Scenarios;

/// <summary>A calm day: no rain, ordinary weather, wildlife on the cameras.</summary>
public sealed class NormalScenario : Scenario
{
    /// <inheritdoc/>
    public override string Name => "normal";

    /// <inheritdoc/>
    public override string Description => "a calm day: no rain, ordinary weather and wildlife";
}
