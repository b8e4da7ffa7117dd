using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>
/// The alert history (<c>alert_event</c>) and FWI days (<c>fire_weather</c>) on their way to InfluxDB. Lines are
/// appended to a spool of their own (<c>history/</c> in the alerting state folder, the same checksummed
/// <see cref="FileSpool"/> format as the readings' spool) before the alert state that produced them is saved, so a crash
/// while InfluxDB is down loses nothing; <see cref="RunAsync"/> writes them oldest first and removes each batch once
/// InfluxDB took it. While InfluxDB is unavailable it backs off (1 s doubling to 30 s, through Polly) and logs the
/// state change once and a summary at most once a minute, never a line per attempt. Lines InfluxDB refuses as bad data
/// go to the dead-letter store with their reason. Append is thread-safe; one <see cref="RunAsync"/> at a time.
/// </summary>
public sealed class AlertHistoryWriter : IDisposable
{
    private static readonly TimeSpan SummaryEvery = TimeSpan.FromMinutes(1);
    private readonly FileSpool _spool;
    private readonly IReadingWriter _writer;
    private readonly ResiliencePipeline _write;
    private readonly ResiliencePipeline _wait;
    private readonly IDeadLetterStore _deadLetters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _appended = new(0);
    private DateTimeOffset? _failingSince;
    private DateTimeOffset _lastSummary;
    private int _failedAttempts;
    private readonly string _directory;

    /// <summary>Opens the history spool in <paramref name="directory"/>; <paramref name="write"/> is the <c>influx-write</c> pipeline.</summary>
    public AlertHistoryWriter(string directory, IReadingWriter writer, ResiliencePipeline write, IDeadLetterStore deadLetters, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _directory = directory;
        _spool = new FileSpool(Microsoft.Extensions.Options.Options.Create(new SpoolOptions { Directory = directory, MaxBytes = long.MaxValue }), loggers.CreateLogger<FileSpool>());
        _writer = writer;
        _write = write;
        _deadLetters = deadLetters;
        _time = time;
        _logger = loggers.CreateLogger<AlertHistoryWriter>();
        _wait = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(InfluxWritePolicy.IsUnavailable),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = TimeSpan.FromSeconds(30),
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    Failed(args.Outcome.Exception!);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Batches waiting for InfluxDB.</summary>
    public int Pending => _spool.Count;

    /// <summary>Appends lines durably (flushed to the disk before it returns).</summary>
    public void Append(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0)
        {
            return;
        }

        // MaxBytes is unbounded: only a full file system refuses. Then the caller must not go on as if the history were
        // kept: the exception stops the message from being acknowledged, and the broker delivers it again later.
        if (_spool.Append(string.Join('\n', lines), lines.Count) != SpoolAppendResult.Appended)
        {
            throw new IOException($"The alert history spool in {_directory} cannot take more (file system full); the message stays unacknowledged.");
        }

        _appended.Release();
    }

    /// <summary>Writes the held lines to InfluxDB until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!await WriteOldestAsync(cancellationToken).ConfigureAwait(false))
                {
                    await _appended.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: what is left stays in the spool for the next start.
        }
    }

    /// <summary>Writes the oldest held batch (waiting out an outage); false when nothing is held. One loop iteration, for tests.</summary>
    internal async Task<bool> WriteOldestAsync(CancellationToken cancellationToken)
    {
        SpoolRecord? record = await _spool.WriteOldestAsync(WriteAsync, _deadLetters, (line, error) =>
        {
            Log.HistoryLineRefused(_logger, error.Message, line.LineProtocol);
            return new DeadLetter(_time.GetUtcNow(), "alert-history", null, null, DeadLetter.StorageRejectedCode, error.Message, null, line.LineProtocol, "line-protocol");
        }, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return false;
        }

        if (_failingSince is { } since)
        {
            Log.HistoryWriting(_logger, _time.GetUtcNow() - since, _failedAttempts, _spool.Count);
            _failingSince = null;
            _failedAttempts = 0;
        }

        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _spool.Dispose();
        _appended.Dispose();
    }

    /// <summary>
    /// Takes a call that sends nothing through the write's resilience pipelines, with the same state as a write, and
    /// yields once where a write waits for InfluxDB (docs/alerting.md, "The first alert after a start"): the first
    /// alert's history write then finds their asynchronous code compiled. Never waits: the <c>influx-write</c> circuit,
    /// shared with ingestion, may be open at start (InfluxDB down), and an unavailable InfluxDB ends it at once (it
    /// waited for InfluxDB here, with no way to cancel, and the alerting role never started).
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken) =>
        await _wait.ExecuteAsync(
            static async (state, ct) =>
            {
                try
                {
                    await state.Write.ExecuteAsync(static async (_, _) => await Task.Yield(), state, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (InfluxWritePolicy.IsUnavailable(ex))
                {
                    // Open circuit: what it passed through is compiled all the same.
                }
            },
            (Write: _write, Writer: _writer, Lines: ReadOnlyMemory<byte>.Empty),
            cancellationToken).ConfigureAwait(false);

    private async Task WriteAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken) =>
        await _wait.ExecuteAsync(
            static async (state, ct) => await state.Write.ExecuteAsync(
                static async (s, c) => await s.Writer.WriteLinesAsync(s.Lines, InfluxTarget.Forever, c).ConfigureAwait(false), state, ct).ConfigureAwait(false),
            (Write: _write, Writer: _writer, Lines: lines),
            cancellationToken).ConfigureAwait(false);

    private void Failed(Exception exception)
    {
        DateTimeOffset now = _time.GetUtcNow();
        _failedAttempts++;
        if (_failingSince is null)
        {
            _failingSince = now;
            _lastSummary = now;
            Log.HistoryHeld(_logger, exception.Message, _spool.Count);
        }
        else if (now - _lastSummary >= SummaryEvery)
        {
            _lastSummary = now;
            Log.HistoryStillHeld(_logger, now - _failingSince.Value, _failedAttempts, _spool.Count, exception.Message);
        }
    }
}
