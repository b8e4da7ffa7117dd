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
/// Readies the reading path at start, before the subscription (docs/architecture.md, "The first burst after a start").
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
    /// <summary>The longest the made-up traffic runs.</summary>
    internal static readonly TimeSpan Longest = TimeSpan.FromSeconds(3);

    /// <summary>Batches per round; the runtime re-optimises a method after 30 calls once it counts them.</summary>
    private const int BatchesPerRound = 16;

    /// <summary>The pause after each round, in which the runtime starts counting calls and compiles in the background.</summary>
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    /// <summary>Rounds in a row after which no method was compiled: the path is ready.</summary>
    private const int QuietRounds = 3;

    /// <summary>What the warm-up did: made-up messages sent through the twin, in how many rounds, and the methods the runtime compiled meanwhile (in the whole process).</summary>
    internal readonly record struct Outcome(int Messages, int Rounds, long Compiled);

    /// <summary>Runs the warm-up and logs what it did; a failure is logged and the worker starts without it.</summary>
    public static async Task ReadyAsync(IngestionBatchProcessor processor, ILogger logger, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            Outcome outcome = await RunAsync(processor, cancellationToken).ConfigureAwait(false);
            logger.WarmedUp(Stopwatch.GetElapsedTime(started).TotalMilliseconds, outcome.Messages, outcome.Compiled);
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

    /// <summary>Runs the warm-up; <paramref name="cancellationToken"/> (the worker stopping) ends it after the batch under way.</summary>
    public static async Task<Outcome> RunAsync(IngestionBatchProcessor processor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(processor);
        Station[] stations = SampleStations(processor.Registry);
        if (stations.Length == 0)
        {
            return new Outcome(0, 0, 0);
        }

        string folder = Path.Combine(Path.GetTempPath(), $"gardencity-warm-up-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var spool = new FileSpool(Options.Create(new SpoolOptions { Directory = folder }), NullLogger<FileSpool>.Instance);
            using var metrics = new IngestionMetrics(new Meter(IngestionMetrics.MeterName + ".WarmUp"), spool, new IngestionState());
            await using var pipelines = new ResiliencePipelineRegistry<string>();
            pipelines.TryAddBuilder(StorageServiceCollectionExtensions.InfluxWritePipeline, (builder, _) => InfluxWritePolicy.ConfigureWritePipeline(builder, new InfluxOptions()));
            pipelines.TryAddBuilder(IngestionResilience.SpoolFullPipeline, (builder, _) => IngestionResilience.ConfigureSpoolFullPipeline(builder, TimeSpan.FromSeconds(1), NullLogger.Instance));
            IngestionBatchProcessor twin = processor.ScratchTwin(new KeepNothingWriter(), spool, pipelines, metrics);

            long started = Stopwatch.GetTimestamp();
            long first = JitInfo.GetCompiledMethodCount(), methods = first;
            int messages = 0, rounds = 0, quiet = 0;
            while (quiet < QuietRounds && Stopwatch.GetElapsedTime(started) < Longest && !cancellationToken.IsCancellationRequested)
            {
                for (int i = 0; i < BatchesPerRound; i++)
                {
                    IReadOnlyList<ReceivedMessage> batch = Specimens(stations, processor.Time.GetUtcNow(), (rounds * BatchesPerRound) + i);
                    await twin.ProcessUntilDurableAsync(batch, cancellationToken).ConfigureAwait(false);
                    messages += batch.Count;
                }

                rounds++;
                await Task.Delay(Pause, cancellationToken).ConfigureAwait(false);
                long now = JitInfo.GetCompiledMethodCount();
                quiet = now == methods ? quiet + 1 : 0;
                methods = now;
            }

            return new Outcome(messages, rounds, methods - first);
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
    }

    /// <summary>
    /// Made-up messages of <paramref name="stations"/>: a reading of each of their kind's fields (mid-range), a backlog of
    /// five and a status message, dated a minute before <paramref name="now"/> and moved on by <paramref name="step"/> seconds.
    /// </summary>
    internal static IReadOnlyList<ReceivedMessage> Specimens(IReadOnlyList<Station> stations, DateTimeOffset now, int step)
    {
        ArgumentNullException.ThrowIfNull(stations);
        var messages = new List<ReceivedMessage>(stations.Count * 3);
        DateTimeOffset ts = now.AddMinutes(-1).AddSeconds(step % 60);
        foreach (Station station in stations)
        {
            string telemetry = WireTopic.Format(station.Kind, station.Id, WireStream.Telemetry);
            messages.Add(new ReceivedMessage(telemetry, Json(w => Sample(w, station.Kind, ts, step))));
            messages.Add(new ReceivedMessage(telemetry, Json(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("samples");
                for (int i = 5; i > 0; i--)
                {
                    Sample(w, station.Kind, ts.AddMilliseconds(-i), step);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            })));
            messages.Add(new ReceivedMessage(WireTopic.Format(station.Kind, station.Id, WireStream.Status), Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("ts", Ts(ts));
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

    private static void Sample(Utf8JsonWriter w, StationKind kind, DateTimeOffset ts, int seq)
    {
        w.WriteStartObject();
        w.WriteString("ts", Ts(ts));
        w.WriteNumber("seq", seq + 1);
        w.WriteStartObject("values");
        foreach (FieldSpec field in FieldSpecs.TelemetryFor(kind).Values)
        {
            w.WriteNumber(field.Name, Math.Round((field.Min + field.Max) / 2, field.Decimals));
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
    internal sealed class DroppedDeadLetters : IDeadLetterStore
    {
        public static readonly DroppedDeadLetters Instance = new();

        public Task AppendAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
