namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// One rule's geohazard threshold for a hazard unit (docs/geohazard.md): an intensity–duration curve I = a·D^b
/// (<see cref="Curve"/>) or the combined (R, I) criterion, with a level per warning colour at a fraction of it.
/// </summary>
/// <param name="Rule">The rule id.</param>
/// <param name="NameZh">The rule's Chinese name.</param>
/// <param name="NameEn">The rule's English name.</param>
/// <param name="Curve">True: the intensity–duration form; false: the combined (R, I) form.</param>
/// <param name="EffectiveRain">True when the rule compares the effective rainfall P_a + R, false when the event's R.</param>
/// <param name="Levels">The levels, lowest severity first, each with its parameters (the unit's own where it has them).</param>
public sealed record GeohazardThreshold(string Rule, string NameZh, string NameEn, bool Curve, bool EffectiveRain, IReadOnlyList<GeohazardThresholdLevel> Levels);
