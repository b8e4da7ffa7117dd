using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Alerting.Worker;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// The geohazard thresholds of the rules in force, for the query API (<see cref="IGeohazardThresholds"/>,
/// docs/geohazard.md): per rule watching the unit, its form and, per level, the fraction and the parameters the engine
/// judges with (the unit's own <c>thresholds:</c> replace the rule's). Follows a rule reload.
/// </summary>
internal sealed class GeohazardThresholdService(AlertEngineHost alerting) : IGeohazardThresholds
{
    public bool IsAvailable => true;

    public IReadOnlyList<GeohazardThreshold> ForUnit(HazardUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        var result = new List<GeohazardThreshold>();
        foreach (Rule rule in alerting.RulesInForce?.Rules.Where(r => r.Scope.MatchesUnit(unit)) ?? [])
        {
            foreach (var form in rule.Levels
                .SelectMany(l => l.Condition.SelfAndDescendants().OfType<GeohazardCondition>().Select(c => (l.Severity, Condition: c)))
                .GroupBy(x => (x.Condition.IsCurve, x.Condition.Rain)))
            {
                result.Add(new GeohazardThreshold(rule.Id, rule.NameZh, rule.NameEn, form.Key.IsCurve, form.Key.Rain == GeohazardRain.Effective,
                    [.. form.Select(x => Level(x.Severity, x.Condition, unit))]));
            }
        }

        return result;
    }

    private static GeohazardThresholdLevel Level(Severity severity, GeohazardCondition c, HazardUnit unit) => c.IsCurve
        ? new(severity, c.Fraction, unit.CurveA ?? c.CurveA, unit.CurveB ?? c.CurveB, null, null)
        : new(severity, c.Fraction, null, null, unit.CombinedRainMm ?? c.RainMm, unit.CombinedIntensityMmH ?? c.IntensityMmH);
}
