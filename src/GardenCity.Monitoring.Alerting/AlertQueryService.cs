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

    /// <summary>With <c>silenced_by</c> where a silence holds the alert back from people, <c>escalation</c> and <c>held_back</c> (<see cref="NotificationPipeline.Annotate"/>).</summary>
    public async Task<IReadOnlyList<AlertNotification>> ActiveAsync(CancellationToken cancellationToken) =>
        [.. (await alerting.ActiveAsync(cancellationToken).ConfigureAwait(false)).Select(pipeline.Annotate)];

    public string CapAtom(string baseUrl, string language) => cap.Atom(baseUrl, time.GetUtcNow(), language, options.Value.Cap.SenderName);

    public string? CapMessage(string identifier) => cap.Find(identifier)?.Xml;

    /// <summary>The acknowledged alert as the API shows it (the escalation now stopped, <see cref="NotificationPipeline.Annotate"/>).</summary>
    public async Task<AlertNotification?> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken) =>
        await alerting.AcknowledgeAsync(alertId, by, cancellationToken).ConfigureAwait(false) is { } acknowledged ? pipeline.Annotate(acknowledged) : null;

    /// <summary>The closed alert as the API shows it (<see cref="NotificationPipeline.Annotate"/>).</summary>
    public async Task<AlertNotification?> CloseAsync(string alertId, string by, string reason, CancellationToken cancellationToken) =>
        await alerting.CloseAsync(alertId, by, reason, cancellationToken).ConfigureAwait(false) is { } closed ? pipeline.Annotate(closed) : null;
}
