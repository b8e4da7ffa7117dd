using System.Diagnostics.Metrics;
using System.Text;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Registry;

namespace GardenCity.Monitoring.Ingestion.Tests;

/// <summary>
/// What the ingestion loops run on in unit tests: a real <see cref="IngestionBatchProcessor"/> and <see cref="FileSpool"/>
/// (in a temporary folder), a fake InfluxDB writer and dead-letter store, one <see cref="FakeTimeProvider"/> for the loops
/// and the Polly pipelines alike, and every log line in a <see cref="FakeLogCollector"/>.
/// </summary>
internal sealed class IngestionHarness : IDisposable
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));

    private readonly string _dir = Directory.CreateTempSubdirectory("gc-ingest-").FullName;

    public IngestionHarness(long spoolMaxBytes = 1L << 30)
    {
        Spool = new FileSpool(Options.Create(new SpoolOptions { Directory = _dir, MaxBytes = spoolMaxBytes }), NullLogger<FileSpool>.Instance);
        Services = new ServiceCollection()
            .AddSingleton<TimeProvider>(Time)
            .AddMetrics()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddFakeLogging())
            .AddSingleton(Spool)
            .AddResiliencePipeline(StorageServiceCollectionExtensions.InfluxWritePipeline, _ => { })
            .AddIngestionResilience()
            .BuildServiceProvider();
        Metrics = new IngestionMetrics(Services.GetRequiredService<IMeterFactory>(), Spool, State);
        Processor = new IngestionBatchProcessor(new WireDecoder(Registry, new WireDecoderOptions()), Writer, Spool, DeadLetters,
            Services.GetRequiredService<ResiliencePipelineProvider<string>>(), Metrics, Time, Services.GetRequiredService<ILogger<IngestionBatchProcessor>>());
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));

    public ServiceProvider Services { get; }

    public FileSpool Spool { get; }

    public FakeWriter Writer { get; } = new();

    public FakeDeadLetters DeadLetters { get; } = new();

    public IngestionState State { get; } = new();

    public IngestionMetrics Metrics { get; }

    public IngestionBatchProcessor Processor { get; }

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    public ILogger<T> Logger<T>() => Services.GetRequiredService<ILogger<T>>();

    /// <summary>The formatted messages logged so far under <typeparamref name="T"/>'s category.</summary>
    public List<string> Messages<T>() =>
        [.. Logs.GetSnapshot().Where(r => r.Category == typeof(T).FullName).Select(r => r.Message)];

    /// <summary>A valid telemetry message of a water-level gauge, measured a minute ago.</summary>
    public ReceivedMessage Telemetry(string station = "yd-wl-01", int seq = 1) =>
        new($"gc/v1/water-level/{station}/telemetry", Encoding.UTF8.GetBytes(
            $"{{\"samples\":[{{\"ts\":\"{Time.GetUtcNow().AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}\",\"seq\":{seq},\"values\":{{\"water_level_m\":1.25}}}}]}}"));

    public void Dispose()
    {
        Metrics.Dispose();
        Services.Dispose();
        Spool.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Waits (real time, briefly) until <paramref name="condition"/> holds; fake time does not move.</summary>
    public static async Task UntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), "condition not reached");
    }

    /// <summary>Lets pending continuations run (real time) and checks <paramref name="task"/> is still waiting.</summary>
    public static async Task StillWaitingAsync(Task task)
    {
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(task.IsCompleted, "finished too early");
    }

    internal sealed class FakeWriter : IReadingWriter
    {
        public List<string> Written { get; } = [];

        public bool Down { get; set; }

        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task WriteLinesAsync(ReadOnlyMemory<byte> lineProtocol, CancellationToken cancellationToken) =>
            WriteLinesAsync(System.Text.Encoding.UTF8.GetString(lineProtocol.Span), cancellationToken);

        public Task WriteLinesAsync(string lineProtocol, CancellationToken cancellationToken)
        {
            if (Down)
            {
                throw new InfluxWriteException("connection refused", statusCode: null);
            }

            lock (Written)
            {
                Written.Add(lineProtocol);
            }

            return Task.CompletedTask;
        }
    }

    internal sealed class FakeDeadLetters : IDeadLetterStore
    {
        public List<DeadLetter> Letters { get; } = [];

        public Task AppendAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken)
        {
            Letters.AddRange(entries);
            return Task.CompletedTask;
        }
    }
}
