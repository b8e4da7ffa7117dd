namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>A write that InfluxDB did not accept.</summary>
public sealed class InfluxWriteException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InfluxWriteException(string message, int? statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>Creates an exception with no details.</summary>
    public InfluxWriteException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public InfluxWriteException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and cause.</summary>
    public InfluxWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// HTTP status, when the server answered; null when it did not. Whether to retry is decided by the caller
    /// (<c>InfluxWritePolicy.IsBadData</c>: 400, 413 and 422 are bad data, everything else is retried).
    /// </summary>
    public int? StatusCode { get; }

    /// <summary>How long the server asked to wait before trying again (its <c>Retry-After</c> header), if it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

}
