using System.Net.Sockets;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Api.Tests;

public sealed class ApiFailuresTests
{
    private static readonly InfluxOptions Influx = new() { Url = "http://influx.example:8086", RequestTimeout = TimeSpan.FromSeconds(10) };
    private static readonly ApiOptions Api = new() { RetryAfter = TimeSpan.FromSeconds(7) };

    [Fact]
    public void Classify_HttpClientTimeout_Is503TimedOutNamingTheSetting()
    {
        // What HttpClient throws when its Timeout passes (the unhandled 500 of finding 13).
        var timeout = new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 10 seconds elapsing.", new TimeoutException());

        var (status, title, detail, retryAfter) = ApiFailures.Classify(timeout, Influx, Api);

        Assert.Equal((503, "InfluxDB timed out.", TimeSpan.FromSeconds(7)), (status, title, retryAfter));
        Assert.Contains("GardenCity:Influx:RequestTimeout", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_ConnectionRefused_Is503Unreachable()
    {
        var refused = new HttpRequestException("Connection refused (influx.example:8086)", new SocketException((int)SocketError.ConnectionRefused));

        var (status, title, detail, retryAfter) = ApiFailures.Classify(refused, Influx, Api);

        Assert.Equal((503, "InfluxDB is unreachable.", TimeSpan.FromSeconds(7)), (status, title, retryAfter));
        Assert.Contains("GardenCity:Influx:Url", detail, StringComparison.Ordinal);
        Assert.Contains("Connection refused", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_ResponseCutOffWhileStreaming_Is503Unreachable() =>
        Assert.Equal(503, ApiFailures.Classify(new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely."), Influx, Api).Status);

    [Fact]
    public void Classify_InfluxErrorAnswer_Is502WithTheMessage()
    {
        var (status, _, detail, retryAfter) = ApiFailures.Classify(new InfluxQueryException("InfluxQL error: max-select-point limit exceeded"), Influx, Api);

        Assert.Equal((502, "InfluxQL error: max-select-point limit exceeded", null), (status, detail, retryAfter));
    }

    [Fact]
    public void Classify_AnythingElse_Is500WithoutInternals()
    {
        var (status, _, detail, retryAfter) = ApiFailures.Classify(new InvalidOperationException("unknown station in store: x"), Influx, Api);

        Assert.Equal((500, null), (status, retryAfter));
        Assert.DoesNotContain("unknown station", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ZeroConcurrentExports_NamesTheSetting()
    {
        var options = new ApiOptions { MaxConcurrentExports = 0, QueryQueueLength = -1 };

        var result = new ApiOptionsValidator().Validate(ApiOptions.SectionName, options);

        Assert.True(result.Failed);
        Assert.Contains("MaxConcurrentExports", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("QueryQueueLength", result.FailureMessage, StringComparison.Ordinal);
    }
}
