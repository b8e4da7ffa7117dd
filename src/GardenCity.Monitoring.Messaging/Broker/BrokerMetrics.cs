using System.Diagnostics.Metrics;

namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>
/// The embedded broker's instruments, on the ingestion meter <c>GardenCity.Monitoring.Ingestion</c> (the broker may run
/// without the ingestion worker, so they are not on the ingestion worker's metrics class, whose gauges need the worker).
/// Tags: <c>reason</c>, <c>protocol</c>.
/// </summary>
public sealed class BrokerMetrics : IDisposable
{
    /// <summary>The meter the counters are on: the ingestion worker's, so the metric names stay what they were.</summary>
    public const string MeterName = "GardenCity.Monitoring.Ingestion";

    private readonly Meter _meter;

    /// <summary>Creates the instruments from the DI meter factory.</summary>
    public BrokerMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        ConnectionsClosed = _meter.CreateCounter<long>("broker.connections.closed",
            description: "Connections the broker closed for their transport: reason packet_too_large, pending_limit, tls_handshake");
        LoginsRefused = _meter.CreateCounter<long>("broker.logins.refused",
            description: "CONNECTs refused: reason bad_credentials, rate_limited, client_id, missing_credentials, starting");
        PublishesRefused = _meter.CreateCounter<long>("broker.publishes.refused",
            description: "Publishes refused as not authorised; protocol 3.1.1 (and 3.1) clients are disconnected, 5.0 ones get a PUBACK 'not authorized'");
    }

    /// <summary>Connections closed by the transport guard.</summary>
    public Counter<long> ConnectionsClosed { get; }

    /// <summary>Logins refused.</summary>
    public Counter<long> LoginsRefused { get; }

    /// <summary>Publishes refused.</summary>
    public Counter<long> PublishesRefused { get; }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();
}
