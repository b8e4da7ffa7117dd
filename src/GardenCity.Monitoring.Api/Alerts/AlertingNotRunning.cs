using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;

namespace GardenCity.Monitoring.Api.Alerts;

/// <summary>
/// What the API sees of alerting when no alerting worker runs in this process: alerts in force, acknowledgement, closing and the
/// CAP feed, silences and the audit trail answer 400 naming the missing role; the live stream stays open and quiet.
/// </summary>
internal sealed class AlertingNotRunning : IAlertQueries, IAlertAcknowledger, IAlertCloser, IAlertStream, IAlertDeliveries, IAlertEscalations, ISilences, IAuditLog
{
    public bool IsAvailable => false;

    public Task<IReadOnlyList<AlertNotification>> ActiveAsync(CancellationToken cancellationToken) => throw Missing("Alerts in force need");

    public string CapAtom(string baseUrl, string language) => throw Missing("The CAP feed needs");

    public string? CapMessage(string identifier) => throw Missing("The CAP feed needs");

    public Task<AlertNotification?> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken) => throw Missing("Acknowledging needs");

    public Task<AlertNotification?> CloseAsync(string alertId, string by, string reason, CancellationToken cancellationToken) => throw Missing("Closing an alert needs");

    public IReadOnlyList<AlertDelivery> For(string alertId) => throw Missing("Delivery statuses need");

    AlertEscalation? IAlertEscalations.Find(string alertId) => throw Missing("Escalation state needs");

    public Silence Create(SilenceMatchers matchers, string by, string reason, DateTimeOffset startsAt, DateTimeOffset endsAt) => throw Missing("Silences need");

    public IReadOnlyList<Silence> List(TimeSpan recent) => throw Missing("Silences need");

    public Silence? Expire(string id, string by) => throw Missing("Silences need");

    public void Record(AuditEntry entry) => throw Missing("The audit trail needs");

    public IReadOnlyList<AuditEntry> Query(AuditQuery query) => throw Missing("The audit trail needs");

    public async IAsyncEnumerable<AlertNotification> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        yield break;
    }

    private static BadParameterException Missing(string what) =>
        new("(role)", $"{what} the alerting role in this process (gardencity run --roles ...,alerting,api).");
}
