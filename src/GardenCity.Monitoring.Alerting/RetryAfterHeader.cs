using System.Net.Http.Headers;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// The one reading of an HTTP <c>Retry-After</c> header (RFC 9110 §10.2.3) for the alert deliveries (webhooks, the
/// duty-room robots and SMS gateways): delta-seconds as they are, an HTTP date as the time from now until then on the
/// injected clock (zero when it is past).
/// </summary>
internal static class RetryAfterHeader
{
    /// <summary>How long <paramref name="response"/> asks the sender to wait, or null when it does not say.</summary>
    public static TimeSpan? Of(HttpResponseMessage response, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(time);
        RetryConditionHeaderValue? header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            TimeSpan wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}
