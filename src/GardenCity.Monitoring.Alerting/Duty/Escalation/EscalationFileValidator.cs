using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Duty.Escalation;

/// <summary>
/// Refuses the start when <c>GardenCity:Duty:EscalationFile</c> is set and the file cannot be used, like a broken rule
/// file: every problem named by file, line, column and field (exit code 2). Channel and recipient names are checked
/// against the duty options when the channels are enabled. Once running, a broken edit is refused by the watcher and
/// the policies in force stay.
/// </summary>
internal sealed class EscalationFileValidator : IValidateOptions<DutyOptions>
{
    public ValidateOptionsResult Validate(string? name, DutyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.EscalationFile.Length == 0)
        {
            return ValidateOptionsResult.Success;
        }

        try
        {
            _ = EscalationFileLoader.LoadFile(options.EscalationFile, options.Enabled ? options : null);
            return ValidateOptionsResult.Success;
        }
        catch (EscalationFileException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
