namespace GardenCity.Monitoring.Ingestion;

/// <summary>What the ingestion worker is doing now; read by readiness checks. Thread-safe.</summary>
public sealed class IngestionState
{
    private volatile bool _subscribed;
    private volatile bool _warmingUp;

    /// <summary>Connected to the broker and subscribed to the station topics.</summary>
    public bool IsSubscribed => _subscribed;

    internal void SetSubscribed(bool value) => _subscribed = value;

    /// <summary>
    /// Readying the reading path at start (docs/architecture.md, "The first burst after a start"): subscribed, but no
    /// message is taken yet; the broker (or the queue) keeps them meanwhile.
    /// </summary>
    public bool IsWarmingUp => _warmingUp;

    internal void SetWarmingUp(bool value) => _warmingUp = value;
}
