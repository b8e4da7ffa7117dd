using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Alerting.Worker;
using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// The alerting worker's answers to the query API (<see cref="IAlertQueries"/>, <see cref="IAlertAcknowledger"/>, <see cref="IAlertCloser"/>):
/// alerts in force, acknowledgements and closes through the <see cref="AlertEngineHost"/>, the CAP feed from <see cref="CapFeed"/>.
/// </summary>
internal sealed class AlertQueryService(AlertEngineHost alerting, CapFeed cap, TimeProvider time, Microsoft.Extensions.Options.IOptions<AlertingOptions> options, NotificationPipeline pipeline) : IAlertQueries, IAlertAcknowledger, IAlertCloser
{
    public bool IsAvailable => true;

    /// <summary>With <c>silenced_by</c> where a silence holds the alert back from people.</summary>
    public async Task<IReadOnlyList<AlertNotification>> ActiveAsync(CancellationToken cancellationToken) =>
        [.. (await alerting.ActiveAsync(cancellationToken).ConfigureAwait(false)).Select(pipeline.Silences.Annotate)];

    public string CapAtom(string baseUrl, string language) => cap.Atom(baseUrl, time.GetUtcNow(), language, options.Value.Cap.SenderName);

    public string? CapMessage(string identifier) => cap.Find(identifier)?.Xml;

    public Task<AlertNotification?> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken) =>
        alerting.AcknowledgeAsync(alertId, by, cancellationToken);

    public Task<AlertNotification?> CloseAsync(string alertId, string by, string reason, CancellationToken cancellationToken) =>
        alerting.CloseAsync(alertId, by, reason, cancellationToken);
}
