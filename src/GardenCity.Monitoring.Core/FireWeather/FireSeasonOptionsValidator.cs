using System.Globalization;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Core.FireWeather;

/// <summary>
/// Checks <see cref="FireSeasonOptions"/>; each problem names its key (<c>GardenCity:FireSeason:Start</c>) and what to
/// write instead, all of them at once. Public because both the alerting worker and the query API register it.
/// </summary>
public sealed class FireSeasonOptionsValidator : IValidateOptions<FireSeasonOptions>
{
    private const string Root = FireSeasonOptions.SectionName;

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, FireSeasonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> errors = [];
        if (!Enum.IsDefined(options.Method))
        {
            errors.Add($"{Root}:Method '{options.Method}' is not a method: write Dates, Temperature or AllYear");
        }

        if (!Enum.IsDefined(options.DroughtCodeStart))
        {
            errors.Add($"{Root}:DroughtCodeStart '{options.DroughtCodeStart}' is not known: write StartUp or Overwinter");
        }

        foreach ((string key, string value) in new[] { ("Start", options.Start), ("End", options.End) })
        {
            if (FireSeasonOptions.MonthDay(value) is null)
            {
                errors.Add($"{Root}:{key} '{value}' is not a month-day: write MM-dd, e.g. 11-01 (29 February is not allowed: use 02-28 or 03-01)");
            }
        }

        if (errors.Count == 0 && options.Method == FireSeasonMethod.Dates && FireSeasonOptions.MonthDay(options.Start) == FireSeasonOptions.MonthDay(options.End))
        {
            errors.Add($"{Root}:End '{options.End}' is the same day as {Root}:Start: a season of one day is surely a mistake (for a season all year write {Root}:Method AllYear)");
        }

        if (!double.IsFinite(options.StartTempC) || !double.IsFinite(options.EndTempC) || options.StartTempC <= options.EndTempC)
        {
            errors.Add($"{Root}:StartTempC ({Show(options.StartTempC)} °C) must be above {Root}:EndTempC ({Show(options.EndTempC)} °C): a season starts after warm days and ends after cold ones");
        }

        if (options.Days is < 1 or > 30)
        {
            errors.Add($"{Root}:Days ({options.Days}) must be 1–30 consecutive days (WF93: 3)");
        }

        foreach ((string key, double value) in new[] { ("CarryOver", options.CarryOver), ("RainEffectiveness", options.RainEffectiveness) })
        {
            if (!(value is > 0 and <= 1))
            {
                errors.Add($"{Root}:{key} ({Show(value)}) must be a fraction above 0 and at most 1 (Lawson & Armitage 2008: 0.5–1.0; default 0.75)");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
