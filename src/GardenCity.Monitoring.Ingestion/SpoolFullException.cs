namespace GardenCity.Monitoring.Ingestion;

/// <summary>
/// InfluxDB is unreachable and the spool is full (at <c>MaxBytes</c>, or its file system is full): the batch is not durable
/// and must not be acknowledged. Back-pressure, not a failure: the caller waits and tries again.
/// </summary>
public sealed class SpoolFullException : Exception
{
    /// <summary>The exception with the standard message.</summary>
    public SpoolFullException()
        : base("InfluxDB is unreachable and the spool is full")
    {
    }

    /// <summary>The exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public SpoolFullException(string message)
        : base(message)
    {
    }

    /// <summary>The exception with a message and its cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause (e.g. the storage error).</param>
    public SpoolFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
