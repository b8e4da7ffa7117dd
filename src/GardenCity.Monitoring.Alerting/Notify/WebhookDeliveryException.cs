using System.Net;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>
/// A webhook answered a notification with a status other than success: the status, and the wait its
/// <c>Retry-After</c> asked for (a 429 or 503), which the <c>notification-delivery</c> pipeline honours.
/// </summary>
public sealed class WebhookDeliveryException : HttpRequestException
{
    /// <summary>Creates the exception for an answer with <paramref name="status"/>.</summary>
    public WebhookDeliveryException(HttpStatusCode status, TimeSpan? retryAfter)
        : base($"webhook answered {(int)status}", null, status) => RetryAfter = retryAfter;

    /// <summary>Creates an exception with a message.</summary>
    public WebhookDeliveryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public WebhookDeliveryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with no details.</summary>
    public WebhookDeliveryException()
    {
    }

    /// <summary>The receiver's <c>Retry-After</c>, or null when it gave none.</summary>
    public TimeSpan? RetryAfter { get; }
}
