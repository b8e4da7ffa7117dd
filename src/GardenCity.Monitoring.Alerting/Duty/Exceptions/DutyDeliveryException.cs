namespace GardenCity.Monitoring.Alerting.Duty.Exceptions;

/// <summary>
/// A channel did not accept a message: <see cref="Transient"/> ones (HTTP 408, 429, 5xx, a robot's rate-limit error
/// code, SMTP 4xx, a broken connection) are retried, honouring <see cref="RetryAfter"/>; the others (a wrong key or
/// signature, HTTP 4xx, SMTP 5xx, a gateway's refusal) are recorded as failed at once.
/// </summary>
public sealed class DutyDeliveryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DutyDeliveryException(string reason, bool transient, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(reason, inner)
    {
        Transient = transient;
        RetryAfter = retryAfter;
    }

    /// <summary>Creates the exception (serialization-free constructor set).</summary>
    public DutyDeliveryException()
        : this("delivery failed", transient: true)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DutyDeliveryException(string message)
        : this(message, transient: true)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DutyDeliveryException(string message, Exception innerException)
        : this(message, transient: true, null, innerException)
    {
    }

    /// <summary>Whether trying again later may succeed.</summary>
    public bool Transient { get; }

    /// <summary>The wait the receiver asked for (<c>Retry-After</c>), if any.</summary>
    public TimeSpan? RetryAfter { get; }
}
