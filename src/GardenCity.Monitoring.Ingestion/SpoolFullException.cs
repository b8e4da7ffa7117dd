namespace GardenCity.Monitoring.Ingestion;

/// <summary>InfluxDB is unreachable and the spool is full: the batch is not durable and must not be acknowledged.</summary>
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
