namespace GardenCity.Monitoring.Ingestion;

/// <summary>
/// InfluxDB is unreachable and the spool is full (at <c>MaxBytes</c>, or its file system is full): the batch is not durable
/// and must not be acknowledged. Back-pressure, not a failure: the caller waits and tries again.
/// </summary>
public sealed class SpoolFullException : Exception
{
    public SpoolFullException()
        : base("InfluxDB is unreachable and the spool is full")
    {
    }

    public SpoolFullException(string message)
        : base(message)
    {
    }

    public SpoolFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
