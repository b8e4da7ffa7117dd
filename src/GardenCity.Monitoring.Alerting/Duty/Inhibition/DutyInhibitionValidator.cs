using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Duty.Inhibition;

/// <summary>
/// Checks <c>GardenCity:Duty:Inhibition</c> and <c>GardenCity:Duty:Grouping</c> beyond their annotations: every
/// inhibition rule names sources and targets, no rule holds back itself, a hazard lists at least two rules, and every
/// rule id named is a rule of <c>GardenCity:Alerting:RulesDirectory</c> (a typo would silently inhibit nothing). Each
/// problem names its key, all at once. Only when <see cref="DutyOptions.Enabled"/>.
/// </summary>
internal sealed class DutyInhibitionValidator(IServiceProvider services) : IValidateOptions<DutyOptions>
{
    private const string Root = DutyOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, DutyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        HashSet<string>? known = KnownRules();
        List<string> errors = [];
        DutyInhibitionOptions o = options.Inhibition;
        for (int i = 0; i < o.Rules.Count; i++)
        {
            DutyInhibitionRuleOptions rule = o.Rules[i];
            string at = $"{Root}:Inhibition:Rules:{i}";
            if (rule.Sources.Count == 0)
            {
                errors.Add($"{at}:Sources lists no rule; name the rules whose alerts hold back others (e.g. station-offline)");
            }

            if (rule.Targets.Count == 0)
            {
                errors.Add($"{at}:Targets lists no rule; name the rules whose alerts are held back (e.g. battery-low)");
            }

            CheckIds(rule.Sources, $"{at}:Sources", known, errors);
            CheckIds(rule.Targets, $"{at}:Targets", known, errors);
            foreach (string both in rule.Sources.Intersect(rule.Targets, StringComparer.Ordinal))
            {
                errors.Add($"{at}: rule '{both}' is both a source and a target; an alert would hold back alerts of its own rule");
            }
        }

        foreach ((string hazard, List<string> rules) in o.Hazards)
        {
            string at = $"{Root}:Inhibition:Hazards:{hazard}";
            if (rules.Distinct(StringComparer.Ordinal).Count() < 2)
            {
                errors.Add($"{at} lists {rules.Count} rule(s); a hazard needs at least two rules (a higher colour of one rule already replaces the lower)");
            }

            CheckIds(rules, at, known, errors);
        }

        if (o.Enabled && o.SiteOutage.Enabled && o.SiteOutage.Rule != new DutySiteOutageOptions().Rule)
        {
            // The default (station-offline) is not required: rules directories without it simply have no site outages.
            CheckIds([o.SiteOutage.Rule], $"{Root}:Inhibition:SiteOutage:Rule", known, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckIds(List<string> ids, string at, HashSet<string>? known, List<string> errors)
    {
        for (int i = 0; i < ids.Count; i++)
        {
            if (known is not null && !known.Contains(ids[i]))
            {
                string key = at.EndsWith(":Rule", StringComparison.Ordinal) ? at : $"{at}:{i}";
                errors.Add($"{key} '{ids[i]}' is not a rule of the rules directory; rule ids are the 'id:' of the rule files (e.g. station-offline, battery-low, flood-level)");
            }
        }
    }

    /// <summary>The rule ids in force; null when the rules cannot be read (the alerting options report that).</summary>
    private HashSet<string>? KnownRules()
    {
        try
        {
            AlertingOptions alerting = services.GetRequiredService<IOptions<AlertingOptions>>().Value;
            return RuleLoader.LoadDirectory(alerting.RulesDirectory, services.GetService<StationRegistry>()).Rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is RuleFileException or OptionsValidationException or IOException or InvalidOperationException)
        {
            return null;
        }
    }
}
