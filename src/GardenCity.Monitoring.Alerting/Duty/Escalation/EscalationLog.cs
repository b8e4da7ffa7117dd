using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.Alerting.Duty.Escalation;

internal static partial class EscalationLog
{
    [LoggerMessage(LogLevel.Information, "Escalation policies loaded from {File}: {Policies} policies, {Rotas} rotas")]
    public static partial void Loaded(ILogger logger, string file, int policies, int rotas);

    [LoggerMessage(LogLevel.Error, "Escalation file refused; the policies already running stay in force:\n{Errors}")]
    public static partial void Refused(ILogger logger, string errors);

    [LoggerMessage(LogLevel.Warning, "Escalation step {Kind} of {AlertId} (policy {Policy}, tier {Tier} {Name}): {Targets} {Note}")]
    public static partial void Step(ILogger logger, string kind, string alertId, string policy, int? tier, string? name, string targets, string? note);

    [LoggerMessage(LogLevel.Warning, "Escalation state file {Path} is unreadable ({Reason}); starting with no escalations")]
    public static partial void StateUnreadable(ILogger logger, string path, string reason);
}
