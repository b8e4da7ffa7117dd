namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>Writes a batch of readings durably; returns only once the server accepted all of them.</summary>
public interface IReadingWriter
{
    /// <summary>Prepares the store (e.g. creates the database); safe to call more than once.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Writes line protocol text (nanosecond timestamps, one point per line) in one request; used by the spool replay.</summary>
    Task WriteLinesAsync(string lineProtocol, CancellationToken cancellationToken) =>
        WriteLinesAsync(System.Text.Encoding.UTF8.GetBytes(lineProtocol ?? throw new ArgumentNullException(nameof(lineProtocol))), cancellationToken);

    /// <summary>Writes line protocol in UTF-8 (nanosecond timestamps, one point per line) in one request. Throws <see cref="InfluxWriteException"/> on failure.</summary>
    Task WriteLinesAsync(ReadOnlyMemory<byte> lineProtocol, CancellationToken cancellationToken);

    /// <summary>
    /// Writes line protocol to <paramref name="target"/> in one request (docs/retention.md: alert history, reviews, fire
    /// weather, geohazard figures and the hourly aggregates go to <see cref="InfluxTarget.Forever"/>). A writer with one
    /// place only (the V2 writer, whose settings the validator keeps in one place) writes where it always does.
    /// </summary>
    Task WriteLinesAsync(ReadOnlyMemory<byte> lineProtocol, InfluxTarget target, CancellationToken cancellationToken) =>
        WriteLinesAsync(lineProtocol, cancellationToken);

    /// <summary>Writes line protocol text to <paramref name="target"/> in one request.</summary>
    Task WriteLinesAsync(string lineProtocol, InfluxTarget target, CancellationToken cancellationToken) =>
        WriteLinesAsync(System.Text.Encoding.UTF8.GetBytes(lineProtocol ?? throw new ArgumentNullException(nameof(lineProtocol))), target, cancellationToken);
}
