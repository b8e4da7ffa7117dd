using System.Diagnostics.Metrics;

namespace GardenCity.Monitoring.Ingestion;

/// <summary>The ingestion worker's instruments, on the meter <c>GardenCity.Monitoring.Ingestion</c>. Tags: <c>kind</c>, <c>reason</c>.</summary>
public sealed class IngestionMetrics : IDisposable
{
    /// <summary>Meter name, for OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string MeterName = "GardenCity.Monitoring.Ingestion";

    /// <summary>Upper bounds (seconds) of the <c>influx.write.duration</c> histogram buckets.</summary>
    public static readonly double[] WriteDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

    private readonly Meter _meter;

    /// <summary>Creates the instruments from the DI meter factory.</summary>
    public IngestionMetrics(IMeterFactory meterFactory, GardenCity.Monitoring.Storage.Spool.FileSpool spool, IngestionState state)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(spool);
        ArgumentNullException.ThrowIfNull(state);
        _meter = meterFactory.Create(MeterName);
        ReadingsSpooled = _meter.CreateCounter<long>("readings.spooled", description: "Readings written to the local spool while InfluxDB was unavailable");
        _meter.CreateObservableGauge("spool.size", () => spool.SizeBytes, unit: "By", description: "Bytes held in the spool");
        _meter.CreateObservableGauge("spool.readings", () => spool.PendingReadings, description: "Readings waiting in the spool");
        _meter.CreateObservableGauge("spool.disk_full", () => spool.DiskFullError is null ? 0 : 1, description: "1 while the spool's file system is full (back-pressure)");
        _meter.CreateObservableCounter("spool.damaged.bytes", () => spool.DamagedBytes, unit: "By", description: "Bytes of damaged spool records found at start and quarantined to .corrupt files");
        _meter.CreateObservableCounter("spool.damaged.records", () => spool.DamagedRecords, description: "Damaged spool records found at start (at least one per damaged stretch)");
        _meter.CreateObservableGauge("spool.quarantined_files", () => spool.QuarantinedFiles().Count, description: ".corrupt files in the spool folder waiting for an operator");
        _meter.CreateObservableGauge("broker.connected", () => state.IsSubscribed ? 1 : 0, description: "1 while connected and subscribed to the broker");
        MessagesReceived = _meter.CreateCounter<long>("messages.received", description: "MQTT messages received from stations");
        ReadingsStored = _meter.CreateCounter<long>("readings.stored", description: "Readings written to InfluxDB");
        ReadingsDeadLettered = _meter.CreateCounter<long>("readings.dead_lettered", description: "Messages or samples rejected to the dead-letter store");
        ReadingsFlagged = _meter.CreateCounter<long>("readings.flagged", description: "Telemetry readings a quality check flagged doubtful or bad (tags: flag, kind); spikes found later count again as bad");
        // Buckets on the seconds scale of the unit (the SDK's default buckets, 0 5 10 25 ... 10000, are for milliseconds:
        // every write fell in the first one): from 5 ms to the write budget and beyond.
        WriteDuration = _meter.CreateHistogram<double>("influx.write.duration", unit: "s", description: "Duration of InfluxDB batch writes, retries included", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WriteDurationBuckets });
    }

    /// <summary>Messages received.</summary>
    public Counter<long> MessagesReceived { get; }

    /// <summary>Readings spooled.</summary>
    public Counter<long> ReadingsSpooled { get; }

    /// <summary>Readings stored.</summary>
    public Counter<long> ReadingsStored { get; }

    /// <summary>Dead letters written.</summary>
    public Counter<long> ReadingsDeadLettered { get; }

    /// <summary>Readings flagged doubtful or bad by the quality checks.</summary>
    public Counter<long> ReadingsFlagged { get; }

    /// <summary>Write latency.</summary>
    public Histogram<double> WriteDuration { get; }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();
}
