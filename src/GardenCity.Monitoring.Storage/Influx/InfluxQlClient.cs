using System.Runtime.CompilerServices;
using System.Text.Json;
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
/// Times come back as nanoseconds since the epoch (<c>epoch=ns</c>).
/// </summary>
public sealed class InfluxQlClient(HttpClient http, IOptions<InfluxOptions> options)
{
    private readonly InfluxOptions _options = options.Value;

    /// <summary>Runs a statement that changes the server (CREATE, DROP) with POST.</summary>
    public async Task ExecuteAsync(string statement, CancellationToken cancellationToken) =>
        _ = await SendAsync(statement, HttpMethod.Post, cancellationToken).ConfigureAwait(false);

    /// <summary>Whether a query failed because the database does not exist yet (a fresh installation: nothing stored).</summary>
    public static bool IsDatabaseNotFound(Exception exception) =>
        exception is InvalidOperationException && exception.Message.Contains("database not found", StringComparison.Ordinal);

    /// <summary>Runs a query with GET and returns its series (empty when nothing matched).</summary>
    public Task<IReadOnlyList<InfluxSeries>> QueryAsync(string query, CancellationToken cancellationToken) =>
        SendAsync(query, HttpMethod.Get, cancellationToken);

    internal static void Authorize(HttpRequestMessage request, InfluxOptions options) => InfluxAuth.Apply(request, options);

    private async Task<IReadOnlyList<InfluxSeries>> SendAsync(string query, HttpMethod method, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var form = new Dictionary<string, string> { ["db"] = _options.Database, ["q"] = query, ["epoch"] = "ns" };
        if (_options.RetentionPolicy.Length > 0)
        {
            form["rp"] = _options.RetentionPolicy;
        }

        string baseUrl = _options.Url.TrimEnd('/') + "/query";
        using var request = method == HttpMethod.Get
            ? new HttpRequestMessage(HttpMethod.Get, baseUrl + "?" + string.Join('&', form.Select(kv => kv.Key + "=" + Uri.EscapeDataString(kv.Value))))
            : new HttpRequestMessage(HttpMethod.Post, baseUrl) { Content = new FormUrlEncodedContent(form) };
        Authorize(request, _options);
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
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
    public async IAsyncEnumerable<InfluxSeries> StreamAsync(string query, int chunkSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        var form = new Dictionary<string, string>
        {
            ["db"] = _options.Database,
            ["q"] = query,
            ["epoch"] = "ns",
            ["chunked"] = "true",
            ["chunk_size"] = chunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (_options.RetentionPolicy.Length > 0)
        {
            form["rp"] = _options.RetentionPolicy;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, _options.Url.TrimEnd('/') + "/query?" + string.Join('&', form.Select(kv => kv.Key + "=" + Uri.EscapeDataString(kv.Value))));
        Authorize(request, _options);
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
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
