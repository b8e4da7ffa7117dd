namespace GardenCity.Monitoring.Ingestion;

/// <summary>What the ingestion worker is doing now; read by readiness checks. Thread-safe.</summary>
public sealed class IngestionState
{
    private volatile bool _subscribed;

    /// <summary>Connected to the broker and subscribed to the station topics.</summary>
    public bool IsSubscribed => _subscribed;

    internal void SetSubscribed(bool value) => _subscribed = value;
}
