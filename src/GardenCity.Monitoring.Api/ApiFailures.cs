using System.Globalization;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api;

/// <summary>
/// The two concurrency limits of the API (ASP.NET Core rate limiting, one <see cref="ConcurrencyLimiter"/> each):
/// <see cref="Export"/> for the exports, <see cref="Query"/> for the other InfluxDB-backed reads. A request past the
/// limit and its queue gets 503 with Retry-After and a problem naming the setting. Endpoints without a policy (health,
/// dashboard, alerts) are never limited.
/// </summary>
internal static class ApiLimits
{
    public const string Export = "export";
    public const string Query = "query";

    public static void Add(RateLimiterOptions limiter)
    {
        limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
        limiter.AddPolicy(Export, http => RateLimitPartition.GetConcurrencyLimiter(Export, _ =>
        {
            ApiOptions o = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
            return new ConcurrencyLimiterOptions { PermitLimit = o.MaxConcurrentExports, QueueLimit = o.ExportQueueLength, QueueProcessingOrder = QueueProcessingOrder.OldestFirst };
        }));
        limiter.AddPolicy(Query, http => RateLimitPartition.GetConcurrencyLimiter(Query, _ =>
        {
            ApiOptions o = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
            return new ConcurrencyLimiterOptions { PermitLimit = o.MaxConcurrentQueries, QueueLimit = o.QueryQueueLength, QueueProcessingOrder = QueueProcessingOrder.OldestFirst };
        }));
        // Requests per minute and key on /api/* (docs/api.md, "Rate limits"): a token bucket per key name, or per client
        // address for a key that is not valid; requests without a key have the concurrency limits only.
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
        {
            ApiOptions o = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
            DateTimeOffset now = (http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
            if (o.RequestsPerMinute == 0 || !http.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) || Auth.ApiCaller.Of(http, o, now) is not { Presented: true } caller)
            {
                return RateLimitPartition.GetNoLimiter(string.Empty);
            }

            return RateLimitPartition.GetTokenBucketLimiter(caller.Partition(http), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.RequestBurst,
                TokensPerPeriod = Math.Max(1, o.RequestsPerMinute / 60),
                ReplenishmentPeriod = o.RequestsPerMinute >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60.0 / o.RequestsPerMinute),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
        limiter.OnRejected = async (context, ct) =>
        {
            HttpContext http = context.HttpContext;
            ApiOptions o = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
            if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan wait))
            {
                // Only the token bucket says when to come back: this caller went over its rate.
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiLimits)).LimitReached(http.Request.Method, http.Request.Path, "GardenCity:Api:RequestsPerMinute");
                await ApiFailures.WriteProblemAsync(http, StatusCodes.Status429TooManyRequests, "Too many requests.",
                    $"At most {o.RequestsPerMinute} requests a minute per key (bursts of {o.RequestBurst}; GardenCity:Api:RequestsPerMinute, RequestBurst); try again later.",
                    TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds))), new Dictionary<string, object?> { ["limit"] = "GardenCity:Api:RequestsPerMinute" }).ConfigureAwait(false);
                return;
            }

            bool export = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == Export;
            (string setting, string queue, int running, int queued, string what) = export
                ? ("GardenCity:Api:MaxConcurrentExports", "ExportQueueLength", o.MaxConcurrentExports, o.ExportQueueLength, "exports")
                : ("GardenCity:Api:MaxConcurrentQueries", "QueryQueueLength", o.MaxConcurrentQueries, o.QueryQueueLength, "queries");
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiLimits)).LimitReached(http.Request.Method, http.Request.Path, setting);
            await ApiFailures.WriteProblemAsync(http, StatusCodes.Status503ServiceUnavailable, $"Too many concurrent {what}.",
                $"At most {running} {what} run at once and {queued} wait ({setting}, {queue}); try again later.",
                o.RetryAfter, new Dictionary<string, object?> { ["limit"] = setting }).ConfigureAwait(false);
        };
    }
}

/// <summary>
/// Turns a failed API request into a problem response instead of a 500 with an empty body: InfluxDB unreachable or
/// timed out is 503 with Retry-After, an InfluxDB error answer 502, anything else 500 (logged, with the trace id).
/// When the response had already started (a streamed export), the connection is broken off so the client sees an
/// incomplete transfer, never a complete-looking file. A client that went away is no failure.
/// </summary>
internal sealed class ApiFailures(RequestDelegate next, ILogger<ApiFailures> logger, IOptions<ApiOptions> api, IOptions<InfluxOptions> influx)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (!http.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody to answer.
        }
        catch (Exception ex)
        {
            if (http.Response.HasStarted)
            {
                logger.ResponseBrokenOff(ex, http.Request.Method, http.Request.Path);
                http.Abort();
                return;
            }

            (int status, string title, string detail, TimeSpan? retryAfter) = Classify(ex, influx.Value, api.Value);
            if (status == StatusCodes.Status500InternalServerError)
            {
                logger.RequestFailed(ex, http.Request.Method, http.Request.Path);
            }
            else
            {
                logger.InfluxUnavailable(ex, http.Request.Method, http.Request.Path, status, title);
            }

            http.Response.Clear();
            await WriteProblemAsync(http, status, title, detail, retryAfter, null).ConfigureAwait(false);
        }
    }

    /// <summary>The status, title and detail a failure is answered with.</summary>
    internal static (int Status, string Title, string Detail, TimeSpan? RetryAfter) Classify(Exception exception, InfluxOptions influx, ApiOptions api)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case TimeoutException or OperationCanceledException:
                    return (StatusCodes.Status503ServiceUnavailable, "InfluxDB timed out.",
                        $"InfluxDB at {influx.Url} did not answer within {influx.RequestTimeout.TotalSeconds:0.#} s (GardenCity:Influx:RequestTimeout).", api.RetryAfter);
                case HttpRequestException or HttpIOException or SocketException:
                    return (StatusCodes.Status503ServiceUnavailable, "InfluxDB is unreachable.",
                        $"InfluxDB at {influx.Url} (GardenCity:Influx:Url) cannot be reached: {e.Message}", api.RetryAfter);
                case InfluxQueryException:
                    return (StatusCodes.Status502BadGateway, "InfluxDB refused the query.", e.Message, null);
            }
        }

        return (StatusCodes.Status500InternalServerError, "Internal error.", "The request failed; the server log has the details.", null);
    }

    internal static async Task WriteProblemAsync(HttpContext http, int status, string title, string detail, TimeSpan? retryAfter, IDictionary<string, object?>? extensions)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Instance = http.Request.Path };
        problem.Extensions["traceId"] = http.TraceIdentifier;
        foreach ((string key, object? value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        if (retryAfter is { } after)
        {
            http.Response.Headers.RetryAfter = ((long)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        await TypedResults.Problem(problem).ExecuteAsync(http).ConfigureAwait(false);
    }
}
