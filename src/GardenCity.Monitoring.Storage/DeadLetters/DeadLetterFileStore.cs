using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.Core.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.DeadLetters;

/// <summary>
/// Appends dead letters as JSON Lines, one file per UTC day, and flushes to the disk before returning,
/// so a dead-lettered message can be acknowledged to the broker. Thread-safe.
/// </summary>
/// <remarks>
/// Bounded (issue 11 finding 5: one station sending 65 KB junk wrote 575 MB in 10 s): each station may write
/// <see cref="DeadLetterOptions.MaxBytesPerStationPerHour"/> of copies per UTC hour and the folder holds at most
/// <see cref="DeadLetterOptions.MaxTotalBytes"/>. A dead letter past a bound is not dropped silently: it is counted
/// by reason in the station's summary line for that hour in <c>dead-letter-summary-YYYYMMDD.jsonl</c>, which is
/// rewritten (atomically, flushed) before <see cref="AppendAsync"/> returns. The per-hour allowance is held in memory:
/// a restart starts the hour's allowance again (the total bound still holds).
/// </remarks>
public sealed partial class DeadLetterFileStore : IDeadLetterStore, IDisposable
{
    /// <summary>Meter name of the store's instruments, for OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string MeterName = "GardenCity.Monitoring.DeadLetter";

    /// <summary>Bucket of the rejections that name no registered station.</summary>
    public const string UnregisteredBucket = "(unregistered)";

    internal const string StationBound = "station-per-hour";
    internal const string TotalBound = "directory-total";

    private static readonly JsonSerializerOptions SummaryJson = new() { WriteIndented = false };

    private readonly DeadLetterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Meter? _meter;
    private readonly Counter<long>? _written;
    private readonly Counter<long>? _writtenBytes;
    private readonly Counter<long>? _summarised;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, long> _windowBytes = new(StringComparer.Ordinal);
    private readonly Dictionary<(DateTimeOffset Window, string Bucket), Summary> _summaries = [];

    private long _sizeBytes = -1;
    private long _summaryFileBytes;
    private DateTimeOffset _window = DateTimeOffset.MinValue;
    private string? _summaryDay;
    private bool _full;

    /// <summary>Creates the store; <paramref name="meterFactory"/> and <paramref name="logger"/> are optional.</summary>
    public DeadLetterFileStore(IOptions<DeadLetterOptions> options, TimeProvider time, IMeterFactory? meterFactory = null, ILogger<DeadLetterFileStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options.Value;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create(MeterName);
            _written = _meter.CreateCounter<long>("dead_letter.written", description: "Dead letters copied whole to the dead-letter file (tag reason)");
            _writtenBytes = _meter.CreateCounter<long>("dead_letter.written.bytes", unit: "By", description: "Bytes of dead-letter copies written");
            _summarised = _meter.CreateCounter<long>("dead_letter.summarised", description: "Dead letters past a bound, counted in a summary line instead of copied (tags reason, bound)");
            _meter.CreateObservableGauge("dead_letter.size", () => Volatile.Read(ref _sizeBytes), unit: "By", description: "Bytes in the dead-letter folder");
            _meter.CreateObservableGauge("dead_letter.stations_over_bound", () => Status.StationsOverBound.Count, description: "Stations whose dead letters are summarised in the current hour");
        }
    }

    /// <summary>What the store is doing now, for health checks.</summary>
    public DeadLetterStatus Status
    {
        get
        {
            lock (_summaries)
            {
                string[] over = _summaries.Where(s => s.Key.Window == _window).Select(s => s.Key.Bucket).Order(StringComparer.Ordinal).ToArray();
                long count = _summaries.Where(s => s.Key.Window == _window).Sum(s => s.Value.Count);
                return new DeadLetterStatus(Math.Max(0, Volatile.Read(ref _sizeBytes)), _options.MaxTotalBytes, CopyLimit, _full, over, count);
            }
        }
    }

    private long CopyLimit => _options.MaxTotalBytes - (_options.MaxTotalBytes / 16);

    /// <inheritdoc/>
    public async Task AppendAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        string directory = _options.Directory;
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(directory);
            DateTimeOffset now = _time.GetUtcNow();
            Roll(directory, now);

            var copies = new MemoryStream();
            var copiedByReason = new Dictionary<string, long>(StringComparer.Ordinal);
            bool summaryChanged = false;
            foreach (DeadLetter entry in entries)
            {
                byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry) + "\n");
                string bucket = BucketOf(entry);
                long used = _windowBytes.GetValueOrDefault(bucket);
                string? bound = used + line.Length > _options.MaxBytesPerStationPerHour ? StationBound
                    : _sizeBytes + copies.Length + line.Length > CopyLimit ? TotalBound
                    : null;
                if (bound is null)
                {
                    copies.Write(line);
                    _windowBytes[bucket] = used + line.Length;
                    copiedByReason[entry.ReasonCode] = copiedByReason.GetValueOrDefault(entry.ReasonCode) + 1;
                    continue;
                }

                Summarise(entry, bucket, bound, line.Length, now);
                summaryChanged = true;
            }

            if (copies.Length > 0)
            {
                string path = Path.Combine(directory, $"dead-letter-{now:yyyyMMdd}.jsonl");
                await using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous))
                {
                    await stream.WriteAsync(copies.GetBuffer().AsMemory(0, (int)copies.Length), cancellationToken).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                }

                Volatile.Write(ref _sizeBytes, _sizeBytes + copies.Length);
                _writtenBytes?.Add(copies.Length);
                foreach ((string reason, long n) in copiedByReason)
                {
                    _written?.Add(n, new KeyValuePair<string, object?>("reason", reason));
                }
            }

            if (summaryChanged)
            {
                await WriteSummariesAsync(directory, now, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _meter?.Dispose();
        _lock.Dispose();
    }

    private static string BucketOf(DeadLetter entry) =>
        entry.StationId is null || entry.ReasonCode == RejectionReason.UnknownStation.Code() || entry.ReasonCode == RejectionReason.InvalidTopic.Code()
            ? UnregisteredBucket
            : entry.StationId;

    /// <summary>Starts a new hour's allowances; at the first call and each new hour, measures the folder again (an operator may have cleared it).</summary>
    private void Roll(string directory, DateTimeOffset now)
    {
        var window = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        if (window != _window)
        {
            _window = window;
            _windowBytes.Clear();
            Volatile.Write(ref _sizeBytes, new DirectoryInfo(directory).EnumerateFiles().Sum(f => f.Length));
            _full = false;
        }

        string day = now.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        if (day != _summaryDay)
        {
            lock (_summaries)
            {
                _summaries.Clear();
                _summaryDay = day;
                string path = SummaryPath(directory, day);
                _summaryFileBytes = File.Exists(path) ? new FileInfo(path).Length : 0;
                foreach (Summary s in File.Exists(path) ? ReadSummaries(path) : [])
                {
                    _summaries[(s.WindowStart, s.StationId ?? UnregisteredBucket)] = s;
                }
            }
        }
    }

    private void Summarise(DeadLetter entry, string bucket, string bound, long bytes, DateTimeOffset now)
    {
        lock (_summaries)
        {
            if (!_summaries.TryGetValue((_window, bucket), out Summary? summary))
            {
                summary = new Summary
                {
                    WindowStart = _window,
                    WindowEnd = _window.AddHours(1),
                    StationId = bucket == UnregisteredBucket ? null : bucket,
                    Kind = entry.Kind,
                    Example = entry.Reason.Length <= 200 ? entry.Reason : entry.Reason[..200] + "…",
                };
                _summaries[(_window, bucket)] = summary;
                if (bound == StationBound)
                {
                    LogStationBound(_logger, bucket, _options.MaxBytesPerStationPerHour, summary.WindowEnd);
                }
                else
                {
                    LogCopiesStopped(_logger, _options.Directory, _sizeBytes, _options.MaxTotalBytes);
                }
            }

            summary.Count++;
            summary.Bytes += bytes;
            summary.Reasons[entry.ReasonCode] = summary.Reasons.GetValueOrDefault(entry.ReasonCode) + 1;
            summary.Bounds[bound] = summary.Bounds.GetValueOrDefault(bound) + 1;
            summary.LastReceivedAt = entry.ReceivedAt;
            summary.UpdatedAt = now;
        }

        _summarised?.Add(1, new KeyValuePair<string, object?>("reason", entry.ReasonCode), new KeyValuePair<string, object?>("bound", bound));
    }

    /// <summary>Rewrites the day's summary file (temporary file, flushed, renamed), unless that would pass the folder's bound.</summary>
    private async Task WriteSummariesAsync(string directory, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        lock (_summaries)
        {
            foreach (Summary s in _summaries.Values.OrderBy(s => s.WindowStart).ThenBy(s => s.StationId, StringComparer.Ordinal))
            {
                text.Append(JsonSerializer.Serialize(s, SummaryJson)).Append('\n');
            }
        }

        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        long after = _sizeBytes - _summaryFileBytes + bytes.Length;
        if (after > _options.MaxTotalBytes)
        {
            if (!_full)
            {
                _full = true;
                LogFull(_logger, directory, _options.MaxTotalBytes);
            }

            LogNotRecorded(_logger, Status.SummarisedThisWindow, now);
            return;
        }

        string path = SummaryPath(directory, _summaryDay!);
        string temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        Volatile.Write(ref _sizeBytes, after);
        _summaryFileBytes = bytes.Length;
    }

    private static string SummaryPath(string directory, string day) => Path.Combine(directory, $"dead-letter-summary-{day}.jsonl");

    private static List<Summary> ReadSummaries(string path)
    {
        var list = new List<Summary>();
        foreach (string line in File.ReadLines(path))
        {
            try
            {
                if (line.Length > 0 && JsonSerializer.Deserialize<Summary>(line, SummaryJson) is { } s)
                {
                    list.Add(s);
                }
            }
            catch (JsonException)
            {
                // A damaged line (the file is replaced atomically, so only by hand): its counts start again.
            }
        }

        return list;
    }

    [LoggerMessage(LogLevel.Warning, "Dead letters of {Station} passed {Bound} bytes this hour: until {WindowEnd:u} they are counted by reason in the summary file instead of copied")]
    private static partial void LogStationBound(ILogger logger, string station, long bound, DateTimeOffset windowEnd);

    [LoggerMessage(LogLevel.Error, "Dead-letter folder {Directory} holds {Bytes} of at most {Max} bytes: dead letters are counted in the summary file instead of copied; move old files off to resume copies")]
    private static partial void LogCopiesStopped(ILogger logger, string directory, long bytes, long max);

    [LoggerMessage(LogLevel.Error, "Dead-letter folder {Directory} is full ({Max} bytes, GardenCity:DeadLetter:MaxTotalBytes): even the summary file is no longer updated")]
    private static partial void LogFull(ILogger logger, string directory, long max);

    [LoggerMessage(LogLevel.Warning, "Dead letters not recorded on disk (folder full): {Count} summarised this hour so far, at {Now:u}")]
    private static partial void LogNotRecorded(ILogger logger, long count, DateTimeOffset now);

    /// <summary>One summary line: a station's dead letters of one UTC hour that were counted instead of copied.</summary>
    internal sealed class Summary
    {
        [System.Text.Json.Serialization.JsonPropertyName("window_start")]
        public DateTimeOffset WindowStart { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("window_end")]
        public DateTimeOffset WindowEnd { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("station_id")]
        public string? StationId { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("kind")]
        public string? Kind { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("summarised")]
        public long Count { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("summarised_bytes")]
        public long Bytes { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("reasons")]
        public Dictionary<string, long> Reasons { get; set; } = new(StringComparer.Ordinal);

        [System.Text.Json.Serialization.JsonPropertyName("bounds")]
        public Dictionary<string, long> Bounds { get; set; } = new(StringComparer.Ordinal);

        [System.Text.Json.Serialization.JsonPropertyName("first_reason")]
        public string? Example { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("last_received_at")]
        public DateTimeOffset LastReceivedAt { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("updated_at")]
        public DateTimeOffset UpdatedAt { get; set; }
    }
}

/// <summary>The dead-letter store's state, for health checks.</summary>
/// <param name="SizeBytes">Bytes in the folder.</param>
/// <param name="MaxTotalBytes">The folder's bound.</param>
/// <param name="CopyLimitBytes">Size at which copies stop and only summaries are written.</param>
/// <param name="Full">Whether even the summary could not be written.</param>
/// <param name="StationsOverBound">Stations (or <see cref="DeadLetterFileStore.UnregisteredBucket"/>) whose dead letters are summarised this hour.</param>
/// <param name="SummarisedThisWindow">Dead letters summarised this hour.</param>
public sealed record DeadLetterStatus(long SizeBytes, long MaxTotalBytes, long CopyLimitBytes, bool Full, IReadOnlyList<string> StationsOverBound, long SummarisedThisWindow);
