using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// Refuses the start when the rule files of <c>GardenCity:Alerting:RulesDirectory</c> cannot be used, like a broken
/// registry: every problem named by file, line, column and field. Once running, a broken edit is refused by the rule
/// watcher and the rules already running stay.
/// </summary>
/// <remarks>
/// The registry is resolved when validating, not when constructing: the host loads it from its own validated options,
/// and a failure there must surface as that options failure rather than while the options system is being built.
/// </remarks>
internal sealed class AlertingRulesValidator(IServiceProvider services) : IValidateOptions<AlertingOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            _ = RuleLoader.LoadDirectory(options.RulesDirectory, services.GetRequiredService<StationRegistry>());
            return ValidateOptionsResult.Success;
        }
        catch (RuleFileException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
