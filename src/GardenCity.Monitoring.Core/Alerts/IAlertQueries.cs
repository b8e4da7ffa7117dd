namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// What the query API may ask of the alerting worker: the alerts in force and the CAP feed. Declared here so that the
/// API and the alerting worker never reference each other; the alerting worker implements it, the host wires it.
/// Implementations are thread-safe.
/// </summary>
public interface IAlertQueries
{
    /// <summary>Whether an alerting worker runs in this process (false: the methods throw <see cref="InvalidOperationException"/>).</summary>
    bool IsAvailable { get; }

    /// <summary>The alerts in force, each as its latest change.</summary>
    Task<IReadOnlyList<AlertNotification>> ActiveAsync(CancellationToken cancellationToken);

    /// <summary>The Atom feed of CAP 1.2 messages, with links under <paramref name="baseUrl"/>, titled in <paramref name="language"/> (<c>zh</c> or <c>en</c>).</summary>
    string CapAtom(string baseUrl, string language);

    /// <summary>One CAP 1.2 message by its identifier, or null.</summary>
    string? CapMessage(string identifier);
}
