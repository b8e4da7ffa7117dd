using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>
/// <c>watershed_alert: { rule: rainstorm-cma, at_least: blue }</c>: holds while an alert of that rule is in force, at
/// least at that severity, for any station of this station's watershed (never for a station without one). For rules
/// that matter more during a warning, e.g. a stuck flood gauge while its watershed is under a rainstorm warning.
/// </summary>
public sealed class WatershedAlertCondition(string ruleId, Severity atLeast) : Condition
{
    /// <summary>The rule whose alerts are looked for.</summary>
    public string RuleId { get; } = ruleId;

    /// <summary>The lowest severity that counts.</summary>
    public Severity AtLeast { get; } = atLeast;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        return ctx.Station.Watershed is { } watershed && ctx.ActiveInWatershed is { } active && active(RuleId, watershed, AtLeast);
    }
}
