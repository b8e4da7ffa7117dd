using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime;
using System.Text.Json;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace GardenCity.Monitoring.Ingestion;

/// <summary>
/// Readies the reading path at start, once subscribed and before the first message is taken (docs/architecture.md,
/// "The first burst after a start").
/// A worker's load often comes right after it starts, as the backlog that waited at the broker during an outage, and
/// its code is compiled at first use: in a cold worker's first 100,000-reading flood a quarter of its CPU went to the
/// compiler (bench/README.md). Made-up messages (<see cref="Specimens"/>: a reading, a backlog and a status message of a
/// registered station of each kind that sends telemetry) go, batch after batch, through a twin of the batch processor
/// (<see cref="IngestionBatchProcessor.ScratchTwin"/>: the same decoder, a quality checker of its own, a writer that
/// keeps nothing but yields as a real write does, an empty spool of its own in a temporary folder, pipelines of the
/// same shape but its own, a meter nobody listens to, no logs), until the runtime has compiled what they use (its
/// generic code, and the framework's methods re-optimised once hot, included) or <see cref="Longest"/> has passed.
/// Nothing is stored, spooled, dead-lettered, counted or logged, and no station's state is touched.
/// </summary>
internal static class IngestionPathWarmUp
{
    /// <summary>The longest the made-up traffic runs; a round under way when it passes is cut short.</summary>
    internal static readonly TimeSpan Longest = TimeSpan.FromSeconds(3);

    /// <summary>Batches per round; the runtime re-optimises a method after 30 calls once it counts them.</summary>
    private const int BatchesPerRound = 16;

    /// <summary>The pause after each round, in which the runtime starts counting calls and compiles in the background.</summary>
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    /// <summary>Rounds in a row after which no method was compiled: the path is ready.</summary>
    private const int QuietRounds = 3;

    /// <summary>Samples per station in one batch: a reading alone, then a backlog of five.</summary>
    private const int SamplesPerBatch = 6;

    /// <summary>The made-up samples' spacing: a run of up to 3 s stays well inside the two minutes they start before receipt.</summary>
    private static readonly TimeSpan SampleSpacing = TimeSpan.FromMilliseconds(10);

    /// <summary>What the warm-up did: made-up messages sent through the twin, in how many rounds, and the methods the runtime compiled meanwhile (in the whole process).</summary>
    internal readonly record struct Outcome(int Messages, int Rounds, long Compiled);

    /// <summary>Runs the warm-up and logs what it did; a failure is logged and the worker starts without it.</summary>
    public static async Task ReadyAsync(IngestionBatchProcessor processor, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        long started = Stopwatch.GetTimestamp();
        try
        {
            Outcome outcome = await RunAsync(processor, cancellationToken).ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested)
            {
                logger.WarmedUp(Stopwatch.GetElapsedTime(started).TotalMilliseconds, outcome.Messages, outcome.Compiled);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping during the start.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Only a speed-up: the first burst compiles what it needs, as without it.
            logger.WarmUpFailed(ex);
        }
    }

    /// <summary>
    /// Runs the warm-up for at most <paramref name="longest"/> (<see cref="Longest"/>); <paramref name="cancellationToken"/>
    /// (the worker stopping) ends it with an <see cref="OperationCanceledException"/>.
    /// </summary>
    public static async Task<Outcome> RunAsync(IngestionBatchProcessor processor, CancellationToken cancellationToken, TimeSpan? longest = null)
    {
        ArgumentNullException.ThrowIfNull(processor);
        Station[] stations = SampleStations(processor.Registry);
        if (stations.Length == 0)
        {
            return new Outcome(0, 0, 0);
        }

        string folder = Path.Combine(Path.GetTempPath(), $"gardencity-warm-up-{Environment.ProcessId}-{Guid.NewGuid():N}");

        // Real time, not the TimeProvider: the runtime compiles on real time, and a test's fake clock must not stop this.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(longest ?? Longest);
        long first = JitInfo.GetCompiledMethodCount();
        long methods = first;
        int messages = 0, rounds = 0;
        try
        {
            using var spool = new FileSpool(Options.Create(new SpoolOptions { Directory = folder }), NullLogger<FileSpool>.Instance);
            using var metrics = new IngestionMetrics(new Meter(IngestionMetrics.MeterName + ".WarmUp"), spool, new IngestionState());
            await using var pipelines = new ResiliencePipelineRegistry<string>();
            pipelines.TryAddBuilder(StorageServiceCollectionExtensions.InfluxWritePipeline, (builder, _) => InfluxWritePolicy.ConfigureWritePipeline(builder, new InfluxOptions()));
            pipelines.TryAddBuilder(IngestionResilience.SpoolFullPipeline, (builder, _) => IngestionResilience.ConfigureSpoolFullPipeline(builder, TimeSpan.FromSeconds(1), NullLogger.Instance));
            IngestionBatchProcessor twin = processor.ScratchTwin(new KeepNothingWriter(), spool, DroppedDeadLetters.Instance, pipelines, metrics);

            DateTimeOffset start = processor.Time.GetUtcNow().AddMinutes(-2);
            int quiet = 0;
            while (quiet < QuietRounds)
            {
                for (int i = 0; i < BatchesPerRound; i++)
                {
                    IReadOnlyList<ReceivedMessage> batch = Specimens(stations, start, (rounds * BatchesPerRound) + i);
                    await twin.ProcessUntilDurableAsync(batch, limit.Token).ConfigureAwait(false);
                    messages += batch.Count;
                }

                rounds++;
                await Task.Delay(Pause, limit.Token).ConfigureAwait(false);
                long now = JitInfo.GetCompiledMethodCount();
                quiet = now == methods ? quiet + 1 : 0;
                methods = now;
            }
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The limit: as ready as it got.
            methods = JitInfo.GetCompiledMethodCount();
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // An empty folder in the temporary directory; nothing of the worker's is in it.
            }
        }

        return new Outcome(messages, rounds, methods - first);
    }

    /// <summary>
    /// The made-up messages of batch <paramref name="batch"/> for <paramref name="stations"/>: a reading of each of their
    /// kind's fields (mid-range, moving by a step of the field's resolution), then a backlog of the next five, and a
    /// status message. Their samples are <see cref="SampleSpacing"/> apart from <paramref name="start"/> on, in order
    /// across batches, with rising sequence numbers, as a station's are: the quality checks take their in-order path.
    /// </summary>
    internal static IReadOnlyList<ReceivedMessage> Specimens(IReadOnlyList<Station> stations, DateTimeOffset start, int batch)
    {
        ArgumentNullException.ThrowIfNull(stations);
        var messages = new List<ReceivedMessage>(stations.Count * 3);
        int first = batch * SamplesPerBatch;
        foreach (Station station in stations)
        {
            string telemetry = WireTopic.Format(station.Kind, station.Id, WireStream.Telemetry);
            messages.Add(new ReceivedMessage(telemetry, Json(w => Sample(w, station.Kind, start, first))));
            messages.Add(new ReceivedMessage(telemetry, Json(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("samples");
                for (int i = first + 1; i < first + SamplesPerBatch; i++)
                {
                    Sample(w, station.Kind, start, i);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            })));
            messages.Add(new ReceivedMessage(WireTopic.Format(station.Kind, station.Id, WireStream.Status), Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("ts", Ts(start + (SampleSpacing * (first + SamplesPerBatch - 1))));
                w.WriteBoolean("online", true);
                w.WriteNumber("battery_v", 12.6);
                w.WriteNumber("rssi_dbm", -71);
                w.WriteEndObject();
            })));
        }

        return messages;
    }

    /// <summary>One registered station of each kind that sends telemetry values.</summary>
    internal static Station[] SampleStations(StationRegistry registry) =>
        [.. registry.Stations.Where(s => FieldSpecs.TelemetryFor(s.Kind).Count > 0).GroupBy(s => s.Kind).Select(g => g.First())];

    /// <summary>Sample number <paramref name="n"/> of a station: <see cref="SampleSpacing"/> times <paramref name="n"/> after <paramref name="start"/>, <c>seq</c> n + 1.</summary>
    private static void Sample(Utf8JsonWriter w, StationKind kind, DateTimeOffset start, int n)
    {
        w.WriteStartObject();
        w.WriteString("ts", Ts(start + (SampleSpacing * n)));
        w.WriteNumber("seq", n + 1);
        w.WriteStartObject("values");
        foreach (FieldSpec field in FieldSpecs.TelemetryFor(kind).Values)
        {
            double step = Math.Pow(10, -field.Decimals);
            w.WriteNumber(field.Name, Math.Round(((field.Min + field.Max) / 2) + (step * (n % 3)), field.Decimals));
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            body(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A writer that keeps nothing; it yields once, as a real write does while it waits for the network, so that the asynchronous code after it is compiled too.</summary>
    private sealed class KeepNothingWriter : IReadingWriter
    {
        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task WriteLinesAsync(ReadOnlyMemory<byte> lineProtocol, CancellationToken cancellationToken) => await Task.Yield();
    }

    /// <summary>Dead letters of the twin: dropped (the made-up messages are valid; nothing of a station's is lost here).</summary>
    private sealed class DroppedDeadLetters : IDeadLetterStore
    {
        public static readonly DroppedDeadLetters Instance = new();

        public Task AppendAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
