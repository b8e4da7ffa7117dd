using System.Diagnostics.Metrics;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly.Registry;

namespace GardenCity.Monitoring.Ingestion.Tests;

/// <summary>The reading path's warm-up at start (docs/architecture.md, "The first burst after a start").</summary>
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
    public void Specimens_AreValidMessages_OfAStationOfEachKindThatSendsTelemetry()
    {
        Station[] stations = IngestionPathWarmUp.SampleStations(Registry);
        IReadOnlyList<ReceivedMessage> specimens = IngestionPathWarmUp.Specimens(stations, _h.Time.GetUtcNow(), step: 7);

        Assert.Equal([StationKind.Weather, StationKind.WaterLevel, StationKind.Fire], stations.Select(s => s.Kind).Order());
        var decoder = new WireDecoder(Registry, new WireDecoderOptions());
        var readings = new List<Reading>();
        foreach (ReceivedMessage message in specimens)
        {
            DecodeResult result = decoder.Decode(message.Topic, message.Payload, _h.Time.GetUtcNow());
            Assert.Empty(result.Rejections);
            readings.AddRange(result.Readings);
        }

        // Per station: one reading, a backlog of five, one status; every field of the kind in each telemetry reading.
        Assert.Equal(3 * 7, readings.Count);
        Assert.All(readings.OfType<TelemetryReading>(), r => Assert.Equal(FieldSpecs.TelemetryFor(r.Station.Kind).Keys.Order(), r.Values.Keys.Order()));
        Assert.Equal(3, readings.OfType<StatusReading>().Count());
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
        foreach (ReceivedMessage message in IngestionPathWarmUp.Specimens(IngestionPathWarmUp.SampleStations(Registry), _h.Time.GetUtcNow(), step: 40))
        {
            foreach (Reading reading in decoder.Decode(message.Topic, message.Payload, _h.Time.GetUtcNow()).Readings)
            {
                seen.Assess(reading, _h.Time.GetUtcNow());
            }
        }

        Assert.True(LeftState(seen));
    }

    [Fact]
    public async Task RunAsync_WhenStopping_SendsNothing()
    {
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();

        IngestionPathWarmUp.Outcome outcome = await IngestionPathWarmUp.RunAsync(_processor, stopping.Token);
        await IngestionPathWarmUp.ReadyAsync(_processor, _h.Logger<IngestionPathWarmUpTests>(), stopping.Token); // no error: the start is being stopped

        Assert.Equal(0, outcome.Messages);
        Assert.Empty(_h.Writer.Written);
        Assert.DoesNotContain(_h.Logs.GetSnapshot(), r => r.Level >= LogLevel.Warning);
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
