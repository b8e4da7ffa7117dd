using System.Runtime.CompilerServices;
using System.Text.Json;
using GardenCity.Monitoring.Storage.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>One series of an InfluxQL result.</summary>
public sealed record InfluxSeries(string Name, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> Columns, IReadOnlyList<JsonElement[]> Values)
{
    /// <summary>The value of <paramref name="column"/> in row <paramref name="row"/>.</summary>
    public JsonElement Get(int row, string column)
    {
        int index = Columns.ToList().IndexOf(column);
        return index < 0 ? throw new ArgumentException($"no column '{column}' in {string.Join(", ", Columns)}", nameof(column)) : Values[row][index];
    }
}

/// <summary>Reading typed values from <see cref="InfluxSeries"/> rows (queries run with <c>epoch=ns</c>).</summary>
public static class InfluxSeriesValues
{
    /// <summary>The row's <c>time</c> column as a UTC time.</summary>
    public static DateTimeOffset Time(this InfluxSeries series, int row)
    {
        ArgumentNullException.ThrowIfNull(series);
        return FromEpochNs(series.Get(row, "time").GetInt64());
    }

    /// <summary>A <c>time</c> cell (nanoseconds since the epoch) as a UTC time.</summary>
    public static DateTimeOffset FromEpochNs(long nanoseconds) => DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);

    /// <summary>A numeric column, or null when absent or not a number.</summary>
    public static double? Number(this InfluxSeries series, int row, string column)
    {
        ArgumentNullException.ThrowIfNull(series);
        return series.Columns.Contains(column) && series.Get(row, column) is { ValueKind: JsonValueKind.Number } n ? n.GetDouble() : null;
    }

    /// <summary>A text column, or null when absent or not text.</summary>
    public static string? Text(this InfluxSeries series, int row, string column)
    {
        ArgumentNullException.ThrowIfNull(series);
        return series.Columns.Contains(column) && series.Get(row, column) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;
    }
}

/// <summary>InfluxDB answered a query with an error (an HTTP error status or an error in the result).</summary>
public sealed class InfluxQueryException(string message) : InvalidOperationException(message)
{
}

/// <summary>
/// Runs InfluxQL over <c>/query</c>: native on 1.x, through the v1-compatibility API on 2.x and 3.x.
/// Times come back as nanoseconds since the epoch (<c>epoch=ns</c>). A query goes to the raw readings unless it names
/// <see cref="InfluxTarget.Forever"/> (docs/retention.md): the target is sent as <c>db=</c> and <c>rp=</c>, so statements
/// name measurements unqualified.
/// </summary>
public sealed class InfluxQlClient
{
    private readonly HttpClient _http;
    private readonly InfluxOptions _options;

    /// <summary>A client of the raw readings and of what is kept for ever where <paramref name="retention"/> says.</summary>
    [ActivatorUtilitiesConstructor]
    public InfluxQlClient(HttpClient http, IOptions<InfluxOptions> options, IOptions<RetentionOptions> retention)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(retention);
        _http = http;
        _options = options.Value;
        Retention = retention.Value;
    }

    /// <summary>A client with the default <see cref="RetentionOptions"/> (kept-for-ever data in the policy <c>forever</c>).</summary>
    public InfluxQlClient(HttpClient http, IOptions<InfluxOptions> options)
        : this(http, options, Microsoft.Extensions.Options.Options.Create(new RetentionOptions()))
    {
    }

    /// <summary>Where raw readings end and what is kept for ever goes.</summary>
    public RetentionOptions Retention { get; }

    /// <summary>The settings of the server.</summary>
    internal InfluxOptions Options => _options;

    /// <summary>
    /// Whether what is kept for ever lives apart from the raw readings (docs/retention.md): then raw readings expire, and
    /// the camera-trap records of times raw retention may no longer hold are read from their copies kept for ever.
    /// </summary>
    public bool ForeverApart => !Retention.SamePlace(_options);

    /// <summary>Runs a statement that changes the server (CREATE, DROP) with POST.</summary>
    public async Task ExecuteAsync(string statement, CancellationToken cancellationToken) =>
        _ = await SendAsync(statement, HttpMethod.Post, InfluxTarget.Raw, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Whether a query failed because the database or retention policy does not exist yet (a fresh installation, or
    /// the kept-for-ever policy before ingestion first started: nothing stored there).
    /// </summary>
    public static bool IsDatabaseNotFound(Exception exception) =>
        exception is InvalidOperationException
        && (exception.Message.Contains("database not found", StringComparison.Ordinal) || exception.Message.Contains("retention policy not found", StringComparison.Ordinal));

    /// <summary>Runs a query on the raw readings with GET and returns its series (empty when nothing matched).</summary>
    public Task<IReadOnlyList<InfluxSeries>> QueryAsync(string query, CancellationToken cancellationToken) =>
        SendAsync(query, HttpMethod.Get, InfluxTarget.Raw, cancellationToken);

    /// <summary>Runs a query on <paramref name="target"/> with GET and returns its series (empty when nothing matched).</summary>
    public Task<IReadOnlyList<InfluxSeries>> QueryAsync(string query, InfluxTarget target, CancellationToken cancellationToken) =>
        SendAsync(query, HttpMethod.Get, target, cancellationToken);

    /// <summary>The database (<c>db=</c>) and retention policy (<c>rp=</c>, empty for the default) of <paramref name="target"/>.</summary>
    public (string Database, string Policy) Where(InfluxTarget target) => (Retention.DatabaseOf(target, _options), Retention.PolicyOf(target, _options));

    internal static void Authorize(HttpRequestMessage request, InfluxOptions options) => InfluxAuth.Apply(request, options);

    private Dictionary<string, string> Form(string query, InfluxTarget target)
    {
        (string db, string rp) = Where(target);
        var form = new Dictionary<string, string> { ["db"] = db, ["q"] = query, ["epoch"] = "ns" };
        if (rp.Length > 0)
        {
            form["rp"] = rp;
        }

        return form;
    }

    private async Task<IReadOnlyList<InfluxSeries>> SendAsync(string query, HttpMethod method, InfluxTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        Dictionary<string, string> form = Form(query, target);

        string baseUrl = _options.Url.TrimEnd('/') + "/query";
        using var request = method == HttpMethod.Get
            ? new HttpRequestMessage(HttpMethod.Get, baseUrl + "?" + string.Join('&', form.Select(kv => kv.Key + "=" + Uri.EscapeDataString(kv.Value))))
            : new HttpRequestMessage(HttpMethod.Post, baseUrl) { Content = new FormUrlEncodedContent(form) };
        Authorize(request, _options);
        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InfluxQueryException($"InfluxQL query failed with {(int)response.StatusCode}: {text}");
        }

        using JsonDocument doc = JsonDocument.Parse(text);
        var series = new List<InfluxSeries>();
        ReadResults(doc.RootElement, clone: true, series);
        return series;
    }

    /// <summary>
    /// Runs a query with GET and <c>chunked=true</c>: yields the series piece by piece as InfluxDB sends them, at most
    /// <paramref name="chunkSize"/> rows each, so a large result is never held whole (a series longer than a chunk comes
    /// as several pieces with the same name and tags, in order). The request timeout covers the wait for the answer to
    /// start, then each wait for the next piece (a <see cref="TimeoutException"/>).
    /// </summary>
    public IAsyncEnumerable<InfluxSeries> StreamAsync(string query, int chunkSize, CancellationToken cancellationToken) =>
        StreamAsync(query, chunkSize, InfluxTarget.Raw, cancellationToken);

    /// <summary>As <see cref="StreamAsync(string, int, CancellationToken)"/>, on <paramref name="target"/>.</summary>
    public async IAsyncEnumerable<InfluxSeries> StreamAsync(string query, int chunkSize, InfluxTarget target, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        Dictionary<string, string> form = Form(query, target);
        form["chunked"] = "true";
        form["chunk_size"] = chunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var request = new HttpRequestMessage(HttpMethod.Get, _options.Url.TrimEnd('/') + "/query?" + string.Join('&', form.Select(kv => kv.Key + "=" + Uri.EscapeDataString(kv.Value))));
        Authorize(request, _options);
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new InfluxQueryException($"InfluxQL query failed with {(int)response.StatusCode}: {text}");
        }

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(_options.RequestTimeout);
        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            // Each chunk is one JSON object ({"results":[...]}); they follow each other in the body.
            IAsyncEnumerator<JsonElement> chunks = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(body, topLevelValues: true, cancellationToken: idle.Token).GetAsyncEnumerator(idle.Token);
            await using (chunks.ConfigureAwait(false))
            {
                var series = new List<InfluxSeries>();
                while (true)
                {
                    try
                    {
                        if (!await chunks.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new TimeoutException($"InfluxDB sent no data for {_options.RequestTimeout.TotalSeconds:0.#} s (GardenCity:Influx:RequestTimeout) while streaming a query result.");
                    }

                    idle.CancelAfter(_options.RequestTimeout);
                    series.Clear();
                    ReadResults(chunks.Current, clone: false, series);
                    foreach (InfluxSeries s in series)
                    {
                        yield return s;
                    }
                }
            }
        }
    }

    private static void ReadResults(JsonElement root, bool clone, List<InfluxSeries> series)
    {
        if (root.TryGetProperty("error", out JsonElement top))
        {
            throw new InfluxQueryException("InfluxQL error: " + top.GetString());
        }

        foreach (JsonElement result in root.GetProperty("results").EnumerateArray())
        {
            if (result.TryGetProperty("error", out JsonElement error))
            {
                throw new InfluxQueryException("InfluxQL error: " + error.GetString());
            }

            if (!result.TryGetProperty("series", out JsonElement list))
            {
                continue;
            }

            foreach (JsonElement s in list.EnumerateArray())
            {
                var tags = new Dictionary<string, string>(StringComparer.Ordinal);
                if (s.TryGetProperty("tags", out JsonElement t))
                {
                    foreach (JsonProperty p in t.EnumerateObject())
                    {
                        tags[p.Name] = p.Value.GetString() ?? string.Empty;
                    }
                }

                series.Add(new InfluxSeries(
                    s.TryGetProperty("name", out JsonElement n) ? n.GetString() ?? string.Empty : string.Empty,
                    tags,
                    s.GetProperty("columns").EnumerateArray().Select(c => c.GetString() ?? string.Empty).ToList(),
                    s.TryGetProperty("values", out JsonElement v)
                        ? v.EnumerateArray().Select(row => row.EnumerateArray().Select(cell => clone ? cell.Clone() : cell).ToArray()).ToList()
                        : []));
            }
        }
    }
}
