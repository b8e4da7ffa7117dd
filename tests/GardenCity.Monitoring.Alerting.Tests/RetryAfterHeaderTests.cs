using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Time.Testing;

namespace GardenCity.Monitoring.Alerting.Tests;

/// <summary>The one Retry-After reader of the webhooks and the duty-room channels, on a <see cref="FakeTimeProvider"/>.</summary>
public sealed class RetryAfterHeaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 30, 6, 0, 0, TimeSpan.Zero);

    private static HttpResponseMessage Answer(RetryConditionHeaderValue? retryAfter)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = retryAfter;
        return response;
    }

    [Fact]
    public void Of_DeltaSeconds_IsThatWait()
    {
        using HttpResponseMessage response = Answer(new RetryConditionHeaderValue(TimeSpan.FromSeconds(120)));

        Assert.Equal(TimeSpan.FromSeconds(120), RetryAfterHeader.Of(response, new FakeTimeProvider(Now)));
    }

    [Fact]
    public void Of_HttpDate_IsTheTimeUntilThenOnTheInjectedClock()
    {
        using HttpResponseMessage response = Answer(new RetryConditionHeaderValue(Now.AddSeconds(45)));
        var time = new FakeTimeProvider(Now);

        Assert.Equal(TimeSpan.FromSeconds(45), RetryAfterHeader.Of(response, time));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromSeconds(15), RetryAfterHeader.Of(response, time));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.Zero, RetryAfterHeader.Of(response, time)); // already past: no wait
    }

    [Fact]
    public void Of_WireText_BothFormsAreRead()
    {
        using var seconds = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        seconds.Headers.TryAddWithoutValidation("Retry-After", "30");
        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.TryAddWithoutValidation("Retry-After", "Thu, 30 Jul 2026 06:02:00 GMT");

        Assert.Equal(TimeSpan.FromSeconds(30), RetryAfterHeader.Of(seconds, new FakeTimeProvider(Now)));
        Assert.Equal(TimeSpan.FromMinutes(2), RetryAfterHeader.Of(date, new FakeTimeProvider(Now)));
    }

    [Fact]
    public void Of_NoHeader_IsNull()
    {
        using HttpResponseMessage response = Answer(null);

        Assert.Null(RetryAfterHeader.Of(response, new FakeTimeProvider(Now)));
    }
}
