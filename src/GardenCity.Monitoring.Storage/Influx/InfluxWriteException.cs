namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>A write that InfluxDB did not accept.</summary>
public sealed class InfluxWriteException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InfluxWriteException(string message, int? statusCode, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        IsTransient = isTransient;
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

    /// <summary>HTTP status, when the server answered.</summary>
    public int? StatusCode { get; }

    /// <summary>True when trying again later may succeed (no answer, timeout, 429, 5xx); false for bad data (400) or bad credentials (401, 403).</summary>
    public bool IsTransient { get; }
}
