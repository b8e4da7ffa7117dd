using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace GardenCity.Monitoring.Storage.Retention;

/// <summary>What one downsampling cycle did.</summary>
/// <param name="From">First hour aggregated (included).</param>
/// <param name="To">End of the last hour aggregated (excluded).</param>
/// <param name="Points">Hourly points written.</param>
/// <param name="Copies">Raw camera-trap points copied.</param>
public sealed record DownsampleResult(DateTimeOffset From, DateTimeOffset To, int Points, int Copies);

/// <summary>
/// The project's own downsampling (docs/retention.md, "The job"): reads the raw readings of whole hours with InfluxQL
/// (<c>GROUP BY time(1h), *</c>), writes one point per measurement, tag set and hour (at the hour's start, event time)
/// to the kept-for-ever place as <c>&lt;measurement&gt;_1h</c>, and copies the camera-trap points there as they are.
/// Each cycle redoes the completed hours of the look-back window, so late readings are folded in; a point's identity is
/// measurement + tags + time, so writing an hour again replaces it (idempotent, and harmless if two processes do it).
/// Works the same on InfluxDB 1.x, 2.x and 3 Core (plain <c>SELECT</c> and <c>/write</c>; no continuous queries,
/// no <c>SELECT INTO</c>).
/// </summary>
public sealed class HourlyDownsampler
{
    /// <summary>Name of the resilience pipeline around the job's InfluxQL queries.</summary>
    public const string QueryPipeline = "influx-downsample-query";

    private const int FlushBytes = 1 << 20;

    private readonly InfluxQlClient _query;
    private readonly IReadingWriter _writer;
    private readonly ResiliencePipeline _write;
    private readonly ResiliencePipeline _read;
    private readonly RetentionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private DateTimeOffset? _pendingFrom;
    private DateTimeOffset? _lastSweep;

    /// <summary>How often <see cref="SweepCopiesAsync"/> runs (the first cycle of a process runs it too).</summary>
    internal static readonly TimeSpan SweepEvery = TimeSpan.FromDays(1);

    /// <summary>The span of one query of the sweep.</summary>
    private static readonly TimeSpan SweepChunk = TimeSpan.FromDays(7);

    /// <summary>A downsampler writing through <paramref name="writer"/> with the <c>influx-write</c> pipeline.</summary>
    public HourlyDownsampler(InfluxQlClient query, IReadingWriter writer, ResiliencePipelineProvider<string> pipelines, IOptions<RetentionOptions> options, TimeProvider time, ILogger<HourlyDownsampler> logger)
    {
        ArgumentNullException.ThrowIfNull(pipelines);
        ArgumentNullException.ThrowIfNull(options);
        _query = query;
        _writer = writer;
        _write = pipelines.GetPipeline(StorageServiceCollectionExtensions.InfluxWritePipeline);
        _read = pipelines.GetPipeline(QueryPipeline);
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// One cycle: the completed hours (by the wall clock of <see cref="TimeProvider"/>) of the last
    /// <see cref="RetentionOptions.DownsampleLookBack"/>, reaching further back to the first hour a failed cycle left
    /// undone (while this process runs; never past what raw retention still holds).
    /// </summary>
    public async Task<DownsampleResult> RunCycleAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset to = FloorHour(_time.GetUtcNow());
        DateTimeOffset from = to - _options.DownsampleLookBack;
        if (_pendingFrom is { } pending && pending < from)
        {
            DateTimeOffset oldest = FloorHour(to - _options.RawDuration + TimeSpan.FromDays(1));
            from = pending > oldest ? pending : oldest;
        }

        DownsampleResult result;
        try
        {
            result = await DownsampleAsync(from, to, cancellationToken).ConfigureAwait(false);
            _pendingFrom = null;
            Log.Downsampled(_logger, from, to, result.Points, result.Copies);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _pendingFrom ??= from;
            Log.DownsampleFailed(_logger, ex, from, to, _options.DownsampleInterval);
            throw;
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (_lastSweep is { } last && now - last < SweepEvery)
        {
            return result;
        }

        try
        {
            int swept = await SweepCopiesAsync(from, cancellationToken).ConfigureAwait(false);
            _lastSweep = now;
            return result with { Copies = result.Copies + swept };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.SweepFailed(_logger, ex, _options.DownsampleInterval);
            throw;
        }
    }

    /// <summary>
    /// Copies the camera-trap points of everything raw retention still holds before <paramref name="before"/> (the
    /// look-back window's start; the cycle copies the rest), from each measurement's first point on, a week at a time. For camera traps the copy is the only record
    /// once raw retention has passed, and a camera's backlog can arrive later than the look-back (docs/retention.md,
    /// "Camera traps"): this sweep, once a day, copies it all the same. Copies are idempotent. Returns the points copied.
    /// </summary>
    public async Task<int> SweepCopiesAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        if (_options.SamePlace(_query.Options))
        {
            return 0;
        }

        DateTimeOffset oldest = FloorHour(before - _options.RawDuration) + TimeSpan.FromHours(1);
        var lines = new LineProtocolBuffer();
        int copies = 0;
        foreach (RawCopy copy in DownsamplePlan.Copies)
        {
            // From the measurement's first point on (a long RawDuration must not mean years of empty queries), a week at a time.
            if (await EarliestAsync(copy, oldest, before, cancellationToken).ConfigureAwait(false) is not { } first)
            {
                continue;
            }

            for (DateTimeOffset start = FloorHour(first); start < before; start += SweepChunk)
            {
                DateTimeOffset end = start + SweepChunk < before ? start + SweepChunk : before;
                copies += await CopyAsync(copy, InfluxQl.TimeRange(start, end), lines, cancellationToken).ConfigureAwait(false);
            }
        }

        await FlushAsync(lines, 0, cancellationToken).ConfigureAwait(false);
        Log.Swept(_logger, oldest, before, copies);
        return copies;
    }

    /// <summary>Aggregates and copies the hours from <paramref name="from"/> to <paramref name="to"/> (whole hours, UTC).</summary>
    public async Task<DownsampleResult> DownsampleAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (from != FloorHour(from) || to != FloorHour(to) || to <= from)
        {
            throw new ArgumentException($"Downsampling needs whole hours, got {from:o} to {to:o}.", nameof(from));
        }

        string range = InfluxQl.TimeRange(from, to);
        var lines = new LineProtocolBuffer();
        int points = 0, copies = 0;
        foreach (HourlyAggregate aggregate in DownsamplePlan.Aggregates)
        {
            points += await AggregateAsync(aggregate, range, lines, cancellationToken).ConfigureAwait(false);
        }

        // With raw and kept-for-ever data in one place (docker-compose.yml's one bucket) the raw points are kept already.
        foreach (RawCopy copy in _options.SamePlace(_query.Options) ? Array.Empty<RawCopy>() : DownsamplePlan.Copies)
        {
            copies += await CopyAsync(copy, range, lines, cancellationToken).ConfigureAwait(false);
        }

        await FlushAsync(lines, 0, cancellationToken).ConfigureAwait(false);
        return new DownsampleResult(from, to, points, copies);
    }

    /// <summary>The InfluxQL of an hourly aggregate over <paramref name="range"/>.</summary>
    internal static string AggregateQuery(HourlyAggregate aggregate, string range)
    {
        var select = new List<string>();
        foreach (string f in aggregate.NumericFields)
        {
            string q = InfluxQl.Identifier(f);
            select.Add($"mean({q}) AS {InfluxQl.Identifier(f + "_mean")}");
            select.Add($"min({q}) AS {InfluxQl.Identifier(f + "_min")}");
            select.Add($"max({q}) AS {InfluxQl.Identifier(f + "_max")}");
            select.Add($"sum({q}) AS {InfluxQl.Identifier(f + "_sum")}");
            select.Add($"count({q}) AS {InfluxQl.Identifier(f + "_count")}");
        }

        select.AddRange(aggregate.Counts.Select(c => $"{c.Expression} AS {InfluxQl.Identifier(c.Field)}"));
        return $"SELECT {string.Join(", ", select)} FROM {InfluxQl.Identifier(aggregate.Measurement)} WHERE {range} GROUP BY time(1h), * fill(none)";
    }

    private async Task<int> AggregateAsync(HourlyAggregate aggregate, string range, LineProtocolBuffer lines, CancellationToken cancellationToken)
    {
        IReadOnlyList<InfluxSeries> series = await QueryAsync(AggregateQuery(aggregate, range), cancellationToken).ConfigureAwait(false);
        Dictionary<(string Tags, long Hour, string Field), QualityFlag> flags = aggregate.Quality
            ? await FlagsAsync(aggregate.Measurement, range, cancellationToken).ConfigureAwait(false)
            : [];
        int written = 0;
        foreach (InfluxSeries s in series)
        {
            string tagKey = TagKey(s.Tags);
            for (int i = 0; i < s.Values.Count; i++)
            {
                DateTimeOffset hour = s.Time(i);
                lines.Point(aggregate.Target);
                foreach ((string key, string value) in s.Tags)
                {
                    lines.Tag(key, value);
                }

                bool any = false;
                foreach (string f in aggregate.NumericFields)
                {
                    if (s.Number(i, f + "_count") is not (> 0 and var count))
                    {
                        continue;
                    }

                    any = true;
                    lines.Field(f + "_count", (long)count);
                    foreach (string stat in (string[])["_mean", "_min", "_max", "_sum"])
                    {
                        if (s.Number(i, f + stat) is { } v)
                        {
                            lines.Field(f + stat, v);
                        }
                    }

                    if (aggregate.Quality)
                    {
                        lines.Field(f + "_flag", (long)flags.GetValueOrDefault((tagKey, hour.UtcTicks, f)));
                    }
                }

                foreach ((string field, _, bool integer) in aggregate.Counts)
                {
                    if (s.Number(i, field) is { } v && (!integer || v > 0))
                    {
                        any = true;
                        if (integer)
                        {
                            lines.Field(field, (long)v);
                        }
                        else
                        {
                            lines.Field(field, v);
                        }
                    }
                }

                if (any)
                {
                    lines.End(hour);
                    written++;
                    await FlushAsync(lines, FlushBytes, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return written;
    }

    /// <summary>The worst quality flag of each field, tag set and hour (only points a check flagged carry <c>quality_checks</c>).</summary>
    private async Task<Dictionary<(string Tags, long Hour, string Field), QualityFlag>> FlagsAsync(string measurement, string range, CancellationToken cancellationToken)
    {
        var flags = new Dictionary<(string, long, string), QualityFlag>();
        string q = $"SELECT {InfluxQl.Identifier(PointMapper.QualityChecksField)} FROM {InfluxQl.Identifier(measurement)} WHERE {range} AND {InfluxQl.Identifier(PointMapper.QualityChecksField)} =~ /./ GROUP BY *";
        foreach (InfluxSeries s in await QueryAsync(q, cancellationToken).ConfigureAwait(false))
        {
            string tagKey = TagKey(s.Tags);
            for (int i = 0; i < s.Values.Count; i++)
            {
                long hour = FloorHour(s.Time(i)).UtcTicks;
                foreach ((string field, QualityChecks checks) in QualityFlags.Parse(s.Text(i, PointMapper.QualityChecksField)))
                {
                    QualityFlag flag = QualityFlags.Of(checks);
                    if (flag > flags.GetValueOrDefault((tagKey, hour, field)))
                    {
                        flags[(tagKey, hour, field)] = flag;
                    }
                }
            }
        }

        return flags;
    }

    /// <summary>The time of the first raw point of <paramref name="copy"/> in [<paramref name="from"/>, <paramref name="to"/>), or null.</summary>
    private async Task<DateTimeOffset?> EarliestAsync(RawCopy copy, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        IReadOnlyList<InfluxSeries> first = await QueryAsync($"SELECT * FROM {InfluxQl.Identifier(copy.Measurement)} WHERE {copy.Filter(InfluxQl.TimeRange(from, to))} ORDER BY time ASC LIMIT 1", cancellationToken).ConfigureAwait(false);
        return first.FirstOrDefault(s => s.Values.Count > 0) is { } series ? series.Time(0) : null;
    }

    private async Task<int> CopyAsync(RawCopy copy, string range, LineProtocolBuffer lines, CancellationToken cancellationToken)
    {
        int written = 0;
        foreach (InfluxSeries s in await QueryAsync($"SELECT * FROM {InfluxQl.Identifier(copy.Measurement)} WHERE {copy.Filter(range)} GROUP BY *", cancellationToken).ConfigureAwait(false))
        {
            for (int i = 0; i < s.Values.Count; i++)
            {
                lines.Point(copy.Measurement);
                foreach ((string key, string value) in s.Tags)
                {
                    lines.Tag(key, value);
                }

                foreach (string column in s.Columns.Where(c => c != "time"))
                {
                    JsonElement v = s.Get(i, column);
                    switch (v.ValueKind)
                    {
                        case JsonValueKind.Number when copy.Integers.Contains(column):
                            lines.Field(column, v.GetInt64());
                            break;
                        case JsonValueKind.Number:
                            lines.Field(column, v.GetDouble());
                            break;
                        case JsonValueKind.String:
                            lines.Field(column, v.GetString());
                            break;
                        case JsonValueKind.True or JsonValueKind.False:
                            lines.Field(column, v.GetBoolean());
                            break;
                    }
                }

                lines.End(s.Time(i));
                written++;
                await FlushAsync(lines, FlushBytes, cancellationToken).ConfigureAwait(false);
            }
        }

        return written;
    }

    private async Task<IReadOnlyList<InfluxSeries>> QueryAsync(string q, CancellationToken cancellationToken)
    {
        try
        {
            return await _read.ExecuteAsync(static async (state, ct) => await state.Query.QueryAsync(state.Q, InfluxTarget.Raw, ct).ConfigureAwait(false), (Query: _query, Q: q), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex) when (InfluxQlClient.IsDatabaseNotFound(ex))
        {
            return []; // nothing stored yet
        }
    }

    private async Task FlushAsync(LineProtocolBuffer lines, int atLeast, CancellationToken cancellationToken)
    {
        if (lines.Length == 0 || lines.Length < atLeast)
        {
            return;
        }

        ReadOnlyMemory<byte> bytes = lines.Written;
        await _write.ExecuteAsync(static async (state, ct) => await state.Writer.WriteLinesAsync(state.Bytes, InfluxTarget.Forever, ct).ConfigureAwait(false), (Writer: _writer, Bytes: bytes), cancellationToken).ConfigureAwait(false);
        lines.Clear();
    }

    private static string TagKey(IReadOnlyDictionary<string, string> tags)
    {
        var sb = new StringBuilder();
        foreach ((string key, string value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            sb.Append(key).Append('=').Append(value).Append('\u001f');
        }

        return sb.ToString();
    }

    internal static DateTimeOffset FloorHour(DateTimeOffset time)
    {
        long ticks = time.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerHour), TimeSpan.Zero);
    }
}
