using System.Diagnostics.Metrics;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly.Registry;

namespace GardenCity.Monitoring.Ingestion.Tests;

/// <summary>
/// The reading path's warm-up at start (docs/architecture.md, "The first burst after a start"). Not run in parallel
/// with other classes: a test listens to the ingestion meter by name, as OpenTelemetry does, process-wide.
/// </summary>
[Collection(nameof(IngestionPathWarmUpTests))]
[CollectionDefinition(nameof(IngestionPathWarmUpTests), DisableParallelization = true)]
public sealed class IngestionPathWarmUpTests : IDisposable
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));

    private readonly IngestionHarness _h = new();
    private readonly QualityChecker _quality = new(QualityPolicy.None);
    private readonly IngestionBatchProcessor _processor;

    public IngestionPathWarmUpTests()
    {
        _processor = new IngestionBatchProcessor(new WireDecoder(Registry, new WireDecoderOptions()), _h.Writer, _h.Spool, _h.DeadLetters,
            _h.Services.GetRequiredService<ResiliencePipelineProvider<string>>(), _h.Metrics, _h.Time, _h.Logger<IngestionBatchProcessor>(), _quality);
    }

    [Fact]
    public void Specimens_AreValidMessages_OfAStationOfEachKindThatSendsTelemetry_InOrderAcrossBatches()
    {
        Station[] stations = IngestionPathWarmUp.SampleStations(Registry);
        DateTimeOffset start = _h.Time.GetUtcNow().AddMinutes(-2);

        Assert.Equal([StationKind.Weather, StationKind.WaterLevel, StationKind.Fire], stations.Select(s => s.Kind).Order());
        var decoder = new WireDecoder(Registry, new WireDecoderOptions());
        var readings = new List<Reading>();
        foreach (int batch in new[] { 6, 7 })
        {
            foreach (ReceivedMessage message in IngestionPathWarmUp.Specimens(stations, start, batch))
            {
                DecodeResult result = decoder.Decode(message.Topic, message.Payload, _h.Time.GetUtcNow());
                Assert.Empty(result.Rejections);
                readings.AddRange(result.Readings);
            }
        }

        // Per station and batch: one reading, a backlog of five, one status; every field of the kind in each telemetry reading.
        Assert.Equal(2 * 3 * 7, readings.Count);
        Assert.All(readings.OfType<TelemetryReading>(), r => Assert.Equal(FieldSpecs.TelemetryFor(r.Station.Kind).Keys.Order(), r.Values.Keys.Order()));
        Assert.Equal(6, readings.OfType<StatusReading>().Count());

        // A station's samples rise in time and sequence across the two batches, as a station's own do.
        foreach (IGrouping<string, TelemetryReading> station in readings.OfType<TelemetryReading>().GroupBy(r => r.Station.Id))
        {
            Assert.Equal(Enumerable.Range(6 * 6, 12).Select(n => (long?)(n + 1)), station.Select(r => r.Seq));
            Assert.Equal(station.Select(r => r.Timestamp).Order(), station.Select(r => r.Timestamp));
            Assert.Equal(12, station.Select(r => r.Timestamp).Distinct().Count());
        }
    }

    [Fact]
    public async Task RunAsync_SendsMadeUpMessagesThroughTheBatchPath_AndLeavesNoTrace()
    {
        var measurements = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IngestionMetrics.MeterName) // as OpenTelemetry selects meters: by name
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, _, _) => measurements.Add(instrument.Name));
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => measurements.Add(instrument.Name));
        listener.Start();
        string[] foldersBefore = WarmUpFolders();

        IngestionPathWarmUp.Outcome outcome = await IngestionPathWarmUp.RunAsync(_processor, TestContext.Current.CancellationToken);

        Assert.True(outcome.Messages >= 16 * 9 && outcome.Rounds >= 1, $"{outcome.Messages} messages in {outcome.Rounds} rounds");
        Assert.Empty(_h.Writer.Written);
        Assert.True(_h.Spool.IsEmpty);
        Assert.Empty(_h.DeadLetters.Letters);
        Assert.Empty(measurements);
        Assert.Empty(_h.Logs.GetSnapshot());
        Assert.Equal(foldersBefore, WarmUpFolders()); // its scratch spool's folder is gone
        Assert.False(LeftState(_quality), "the worker's quality checker learnt from the made-up readings");
    }

    [Fact]
    public void QualityStateCheck_FindsStateLeftByTheSpecimens()
    {
        // The check of the test above can fail: a checker that saw the made-up readings judges a station's next reading differently.
        var seen = new QualityChecker(QualityPolicy.None);
        var decoder = new WireDecoder(Registry, new WireDecoderOptions());
        foreach (ReceivedMessage message in IngestionPathWarmUp.Specimens(IngestionPathWarmUp.SampleStations(Registry), _h.Time.GetUtcNow().AddMinutes(-2), batch: 40))
        {
            foreach (Reading reading in decoder.Decode(message.Topic, message.Payload, _h.Time.GetUtcNow()).Readings)
            {
                seen.Assess(reading, _h.Time.GetUtcNow());
            }
        }

        Assert.True(LeftState(seen));
    }

    [Fact]
    public async Task ReadyAsync_StoppedBeforeOrDuringTheWarmUp_EndsWithoutAnErrorOrAReadyLine()
    {
        using (var stopped = new CancellationTokenSource())
        {
            await stopped.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => IngestionPathWarmUp.RunAsync(_processor, stopped.Token));
            await IngestionPathWarmUp.ReadyAsync(_processor, _h.Logger<IngestionPathWarmUpTests>(), stopped.Token);
        }

        using (var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(30)))
        {
            Task ready = IngestionPathWarmUp.ReadyAsync(_processor, _h.Logger<IngestionPathWarmUpTests>(), stopping.Token);
            Assert.Same(ready, await Task.WhenAny(ready, Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)));
            await ready;
        }

        Assert.Empty(_h.Writer.Written);
        Assert.Empty(_h.Logs.GetSnapshot());
    }

    [Fact]
    public async Task RunAsync_AtItsLimit_EndsWithWhatItDid()
    {
        IngestionPathWarmUp.Outcome outcome = await IngestionPathWarmUp.RunAsync(_processor, TestContext.Current.CancellationToken, longest: TimeSpan.FromMilliseconds(1));

        Assert.InRange(outcome.Rounds, 0, 1); // cut short, not thrown out of the start
        Assert.Empty(_h.Writer.Written);
        Assert.Equal([], WarmUpFolders());
    }

    [Fact]
    public async Task ReadyAsync_WhenTheWarmUpFails_LogsAWarning_AndTheStartGoesOn()
    {
        var processor = new IngestionBatchProcessor(new WireDecoder(Registry, new WireDecoderOptions()), _h.Writer, _h.Spool, _h.DeadLetters,
            _h.Services.GetRequiredService<ResiliencePipelineProvider<string>>(), _h.Metrics, new BrokenClock(), _h.Logger<IngestionBatchProcessor>());

        await IngestionPathWarmUp.ReadyAsync(processor, _h.Logger<IngestionPathWarmUpTests>(), TestContext.Current.CancellationToken);

        Microsoft.Extensions.Logging.Testing.FakeLogRecord record = Assert.Single(_h.Logs.GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.StartsWith("Readying the reading path at start failed", record.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(record.Exception);
        Assert.Empty(_h.Writer.Written);
        Assert.Equal([], WarmUpFolders());
    }

    [Fact]
    public async Task RunAsync_WithNoStationThatSendsTelemetry_SendsNothing()
    {
        var cameras = new StationRegistry(Registry.Sites.Values, Registry.Stations.Where(s => s.Kind == StationKind.CameraTrap));
        var processor = new IngestionBatchProcessor(new WireDecoder(cameras, new WireDecoderOptions()), _h.Writer, _h.Spool, _h.DeadLetters,
            _h.Services.GetRequiredService<ResiliencePipelineProvider<string>>(), _h.Metrics, _h.Time, _h.Logger<IngestionBatchProcessor>());

        IngestionPathWarmUp.Outcome outcome = await IngestionPathWarmUp.RunAsync(processor, TestContext.Current.CancellationToken);

        Assert.Equal(new IngestionPathWarmUp.Outcome(0, 0, 0), outcome);
    }

    public void Dispose() => _h.Dispose();

    /// <summary>A clock that fails when read (a fault inside the warm-up).</summary>
    private sealed class BrokenClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => throw new InvalidOperationException("the clock is broken");
    }

    private static string[] WarmUpFolders() =>
        [.. Directory.GetDirectories(Path.GetTempPath(), $"gardencity-warm-up-{Environment.ProcessId}-*").Order()];

    /// <summary>
    /// Whether <paramref name="checker"/> has state of a sample station: the made-up readings carry small sequence
    /// numbers, so a checker that remembers them finds a gap before a reading numbered 50,000; a fresh one does not.
    /// </summary>
    private bool LeftState(QualityChecker checker)
    {
        var decoder = new WireDecoder(Registry, new WireDecoderOptions());
        Station station = IngestionPathWarmUp.SampleStations(Registry)[0];
        string field = FieldSpecs.TelemetryFor(station.Kind).Values.First().Name;
        DecodeResult result = decoder.Decode(WireTopic.Format(station.Kind, station.Id, WireStream.Telemetry),
            System.Text.Encoding.UTF8.GetBytes($"{{\"ts\":\"{_h.Time.GetUtcNow().AddSeconds(-5):yyyy-MM-ddTHH:mm:ssZ}\",\"seq\":50000,\"values\":{{\"{field}\":1}}}}"),
            _h.Time.GetUtcNow());
        QualityAssessment assessment = checker.Assess(Assert.Single(result.Readings), _h.Time.GetUtcNow());
        return (assessment.Quality.Of(field) & QualityChecks.SequenceGap) != 0;
    }
}
