namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// One warning colour of a <see cref="GeohazardThreshold"/>: reached when the intensity is at least
/// <see cref="Fraction"/>·a·D^b (curve form), or the rain at least <see cref="Fraction"/>·R₀ together with the maximum
/// hourly intensity at least <see cref="Fraction"/>·I₀ (combined form).
/// </summary>
/// <param name="Severity">The colour.</param>
/// <param name="Fraction">The level's fraction of the published threshold.</param>
/// <param name="A">Curve coefficient a (mm/h at D = 1 h), curve form only.</param>
/// <param name="B">Curve exponent b, curve form only.</param>
/// <param name="RainMm">R₀, mm, combined form only.</param>
/// <param name="IntensityMmH">I₀, mm/h, combined form only.</param>
public sealed record GeohazardThresholdLevel(Severity Severity, double Fraction, double? A, double? B, double? RainMm, double? IntensityMmH);
