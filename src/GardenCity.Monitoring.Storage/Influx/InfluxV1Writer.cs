using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GardenCity.Monitoring.Storage.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>
/// Writes line protocol through <c>POST /write</c> (nanosecond precision): native on InfluxDB 1.x, the v1-compatible
/// endpoint on 2.x and 3 Core (token auth, <see cref="InfluxAuth"/>). This is the path every deployment uses and the
/// one the real-server tests cover. With <see cref="InfluxOptions.CreateDatabase"/> it creates the database and the
/// retention policies (<see cref="RetentionSetup"/>, docs/retention.md).
/// </summary>
internal sealed class InfluxV1Writer : IReadingWriter
{
    private readonly HttpClient _http;
    private readonly InfluxOptions _options;
    private readonly InfluxQlClient _query;
    private readonly ILogger _logger;

    [ActivatorUtilitiesConstructor]
    public InfluxV1Writer(HttpClient http, IOptions<InfluxOptions> options, InfluxQlClient query, ILogger<InfluxV1Writer> logger)
    {
        _http = http;
        _options = options.Value;
        _query = query;
        _logger = logger;
    }

    public InfluxV1Writer(HttpClient http, IOptions<InfluxOptions> options, InfluxQlClient query)
        : this(http, options, query, NullLogger<InfluxV1Writer>.Instance)
    {
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_options.CreateDatabase)
        {
            await RetentionSetup.CreateAsync(_query, _logger, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task WriteLinesAsync(ReadOnlyMemory<byte> lineProtocol, CancellationToken cancellationToken) =>
        WriteLinesAsync(lineProtocol, InfluxTarget.Raw, cancellationToken);

    public async Task WriteLinesAsync(ReadOnlyMemory<byte> lineProtocol, InfluxTarget target, CancellationToken cancellationToken)
    {
        if (lineProtocol.Length == 0)
        {
            return;
        }

        try
        {
            await PostAsync(lineProtocol, target, cancellationToken).ConfigureAwait(false);
        }
        catch (InfluxWriteException ex) when (ex.StatusCode is 404 or 500 && _options.CreateDatabase
            && (ex.Message.Contains("database not found", StringComparison.Ordinal) || ex.Message.Contains("retention policy not found", StringComparison.Ordinal)))
        {
            // InfluxDB was not there when the worker started (or lost its data), or this process does not create the
            // policies at start (alerting, API): create the database and policies and write again.
            try
            {
                await InitializeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception create) when (create is HttpRequestException or InvalidOperationException || (create is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new InfluxWriteException($"InfluxDB has no database '{_options.Database}' and creating it failed: {create.Message}", 404, create);
            }

            await PostAsync(lineProtocol, target, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PostAsync(ReadOnlyMemory<byte> lineProtocol, InfluxTarget target, CancellationToken cancellationToken)
    {
        (string db, string rp) = _query.Where(target);
        string url = $"{_options.Url.TrimEnd('/')}/write?db={Uri.EscapeDataString(db)}&precision=ns"
            + (rp.Length > 0 ? "&rp=" + Uri.EscapeDataString(rp) : string.Empty);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ReadOnlyMemoryContent(lineProtocol) { Headers = { ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" } } },
        };
        InfluxQlClient.Authorize(request, _options);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new InfluxWriteException($"InfluxDB at {_options.Url} did not answer: {ex.Message}", null, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InfluxWriteException($"InfluxDB at {_options.Url} did not answer within {_options.RequestTimeout}", null, ex);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NoContent || response.IsSuccessStatusCode)
            {
                return;
            }

            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            throw new InfluxWriteException($"InfluxDB refused the write with {status}: {Clip(text)}", status) { RetryAfter = RetryAfter(response) };
        }
    }

    /// <summary>The <c>Retry-After</c> of a 429 or 503, as a delay (seconds or an HTTP date), capped at a minute.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        RetryConditionHeaderValue? header = response.Headers.RetryAfter;
        TimeSpan? after = header?.Delta ?? (header?.Date is { } date && response.Headers.Date is { } now ? date - now : null);
        return after is { } a ? TimeSpan.FromTicks(Math.Clamp(a.Ticks, 0, TimeSpan.FromMinutes(1).Ticks)) : null;
    }

    private static string Clip(string text) => text.Length <= 400 ? text : text[..400] + "…";
}

/// <summary>
/// Adds authentication to <c>/write</c> and <c>/query</c> requests: <c>Authorization: Token &lt;token&gt;</c> when
/// <see cref="InfluxOptions.Token"/> is set (InfluxDB 2.x and 3 Core on their v1-compatible endpoints), else HTTP Basic
/// with <see cref="InfluxOptions.Username"/> and <see cref="InfluxOptions.Password"/> (InfluxDB 1.x with
/// <c>auth-enabled</c>), else nothing. The validator refuses both at once. The credential goes only into this header,
/// never into a URL, a message or a log.
/// </summary>
internal static class InfluxAuth
{
    public static void Apply(HttpRequestMessage request, InfluxOptions options)
    {
        if (options.Token.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", options.Token);
        }
        else if (options.Username.Length > 0)
        {
            string basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(options.Username + ":" + options.Password));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }
    }
}
