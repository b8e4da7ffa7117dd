using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Polly;

namespace GardenCity.Monitoring.Alerting.Tests.Notify;

/// <summary>
/// Issue 11 finding 3 and issue 14 (hot retry loop): alert history held durably while InfluxDB is down, written once
/// it is back, never dropped, and logged as a state change plus a summary a minute rather than a line per attempt.
/// </summary>
public sealed class AlertHistoryWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-history-").FullName;
    private readonly FakeTimeProvider _time = new();
    private readonly FakeLogCollector _logs = new();
    private readonly ILoggerFactory _loggers;

    public AlertHistoryWriterTests()
    {
        _loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(_logs)));
    }

    [Fact]
    public async Task RunAsync_InfluxDownForSeventySeconds_HoldsLinesLogsFewWarningsAndWritesThemInOrderOnceBack()
    {
        var influx = new ScriptedWriter { Down = true };
        using var writer = New(influx);
        writer.Append(["alert_event a=1 1", "alert_event a=2 2"]);
        writer.Append(["alert_event a=3 3"]);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        Task running = writer.RunAsync(stop.Token);

        for (int i = 0; i < 700; i++)
        {
            await Task.Delay(2, TestContext.Current.CancellationToken);
            _time.Advance(TimeSpan.FromMilliseconds(100)); // 70 s of fake time with InfluxDB down
        }

        Assert.Empty(influx.Written);
        int attempts = influx.Attempts;
        Assert.InRange(attempts, 3, 30); // backing off: 1 s doubling to 30 s, not a hot loop
        int warnings = _logs.GetSnapshot().Count(r => r.Level == LogLevel.Warning);
        Assert.InRange(warnings, 1, 3); // the state change, then at most one summary a minute

        influx.Down = false;
        await WaitAsync(() => influx.Written.Count == 2);
        await stop.CancelAsync();
        await running;

        Assert.Equal(["alert_event a=1 1\nalert_event a=2 2", "alert_event a=3 3"], influx.Written);
        Assert.Equal(0, writer.Pending);
        Assert.Contains(_logs.GetSnapshot(), r => r.Level == LogLevel.Information && r.Message.Contains("written to InfluxDB again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Append_ThenCrashBeforeInfluxIsBack_NextStartWritesTheHeldLines()
    {
        using (var first = New(new ScriptedWriter { Down = true }))
        {
            first.Append(["alert_event red=1 1"]);
        } // the process dies here: nothing was written

        var influx = new ScriptedWriter();
        using var second = New(influx);
        Assert.Equal(1, second.Pending);
        Assert.True(await second.WriteOldestAsync(TestContext.Current.CancellationToken));

        Assert.Equal(["alert_event red=1 1"], influx.Written);
        Assert.False(await second.WriteOldestAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task WriteOldestAsync_InfluxRefusesOneLine_OthersStoredRefusedOneDeadLettered()
    {
        var influx = new ScriptedWriter { Refuse = "bad" };
        var letters = new ListDeadLetters();
        using var writer = New(influx, letters);
        writer.Append(["alert_event a=1 1", "alert_event bad=1 2", "alert_event a=3 3"]);

        Assert.True(await writer.WriteOldestAsync(TestContext.Current.CancellationToken));

        Assert.Equal(["alert_event a=1 1", "alert_event a=3 3"], influx.Written);
        DeadLetter letter = Assert.Single(letters.Letters);
        Assert.Equal((DeadLetter.StorageRejectedCode, "alert_event bad=1 2"), (letter.ReasonCode, letter.Payload));
        Assert.Equal(0, writer.Pending);
    }

    public void Dispose()
    {
        _loggers.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task WarmUpAsync_WhileTheInfluxWriteCircuitIsOpen_ReturnsAtOnce_AndWritesNothing()
    {
        // The influx-write circuit is shared with ingestion, and may be open when the alerting role starts (InfluxDB down).
        // The warm-up waited for InfluxDB through the history's back-off, with no way to cancel it: the role never
        // finished starting.
        var control = new Polly.CircuitBreaker.CircuitBreakerManualControl();
        ResiliencePipeline write = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new Polly.CircuitBreaker.CircuitBreakerStrategyOptions { ManualControl = control })
            .Build();
        await control.IsolateAsync(TestContext.Current.CancellationToken);
        var influx = new ScriptedWriter();
        using var writer = new AlertHistoryWriter(_dir, influx, write, new ListDeadLetters(), TimeProvider.System, _loggers);

        Task warmUp = writer.WarmUpAsync(CancellationToken.None);
        Task first = await Task.WhenAny(warmUp, Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        Assert.Same(warmUp, first);
        await warmUp;
        Assert.Equal(0, influx.Attempts);
        Assert.Empty(_logs.GetSnapshot()); // no "InfluxDB unavailable" either: nothing waits to be written
    }

    private AlertHistoryWriter New(ScriptedWriter influx, ListDeadLetters? letters = null) =>
        new(_dir, influx, ResiliencePipeline.Empty, letters ?? new ListDeadLetters(), _time, _loggers);

    /// <summary>Waits for <paramref name="condition"/>, moving fake time on (the back-off waits on it).</summary>
    private async Task WaitAsync(Func<bool> condition)
    {
        for (int i = 0; i < 2000 && !condition(); i++)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.True(condition());
    }

    private sealed class ScriptedWriter : IReadingWriter
    {
        public volatile bool Down;
        public string? Refuse;
        public List<string> Written { get; } = [];
        public int Attempts;

        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task WriteLinesAsync(ReadOnlyMemory<byte> lineProtocol, CancellationToken cancellationToken) =>
            WriteLinesAsync(System.Text.Encoding.UTF8.GetString(lineProtocol.Span), cancellationToken);

        public Task WriteLinesAsync(string lineProtocol, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Attempts);
            if (Down)
            {
                throw new InfluxWriteException("InfluxDB did not answer", (int?)null);
            }

            if (Refuse is not null && lineProtocol.Contains(Refuse, StringComparison.Ordinal))
            {
                throw new InfluxWriteException("field type conflict", 400);
            }

            lock (Written)
            {
                Written.Add(lineProtocol);
            }

            return Task.CompletedTask;
        }
    }

    private sealed class ListDeadLetters : IDeadLetterStore
    {
        public List<DeadLetter> Letters { get; } = [];

        public Task AppendAsync(IReadOnlyList<DeadLetter> letters, CancellationToken cancellationToken)
        {
            Letters.AddRange(letters);
            return Task.CompletedTask;
        }
    }
}
