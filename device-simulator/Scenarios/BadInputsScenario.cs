namespace GardenCity.Monitoring.DeviceSimulator.Scenarios;

/// <summary>Ordinary traffic with a malformed message of every kind the contract rejects after every fourth good one.</summary>
public sealed class BadInputsScenario : Scenario
{
    /// <inheritdoc/>
    public override string Name => "bad-inputs";

    /// <inheritdoc/>
    public override string Description => "every kind of malformed message the contract rejects, among good ones";

    /// <inheritdoc/>
    public override TimeSpan DefaultDuration => TimeSpan.FromHours(2);

    /// <inheritdoc/>
    public override bool InjectBadInputs => true;
}
