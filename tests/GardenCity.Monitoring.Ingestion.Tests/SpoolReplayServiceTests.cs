using System.Diagnostics.Metrics;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace GardenCity.Monitoring.Ingestion.Tests;

public sealed class SpoolReplayServiceTests : IDisposable
{
    private const string Good = "water_level,station=yd-wl-01,site=yd,kind=water_level water_level_m=1.5 1690769700000000000";
    private const string Refused = "station_status,station=qs-wx-02,site=qs,kind=weather online=\"yes,station=evil\" 1690769700000000000";

    private readonly string _dir = Directory.CreateTempSubdirectory("gc-replay-").FullName;
    private readonly ServiceProvider _services;
    private readonly FileSpool _spool;
    private readonly FakeWriter _writer = new();
    private readonly FakeDeadLetters _deadLetters = new();
    private readonly SpoolReplayService _replay;

    public SpoolReplayServiceTests()
    {
        _spool = new FileSpool(Options.Create(new SpoolOptions { Directory = _dir }), NullLogger<FileSpool>.Instance);
        _services = new ServiceCollection()
            .AddMetrics()
            .AddLogging()
            .AddSingleton(_spool)
            .AddResiliencePipeline(StorageServiceCollectionExtensions.InfluxWritePipeline, _ => { })
            .AddIngestionResilience()
            .BuildServiceProvider();
        var metrics = new IngestionMetrics(_services.GetRequiredService<IMeterFactory>(), _spool, new IngestionState());
        _replay = new SpoolReplayService(_spool, _writer, _deadLetters, _services.GetRequiredService<ResiliencePipelineProvider<string>>(),
            metrics, TimeProvider.System, NullLogger<SpoolReplayService>.Instance);
    }

    public void Dispose()
    {
        _replay.Dispose();
        _spool.Dispose();
        _services.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ReplayOneAsync_EmptySpool_ReturnsFalse()
    {
        Assert.False(await _replay.ReplayOneAsync(TestContext.Current.CancellationToken));
        Assert.Empty(_writer.Written);
    }

    [Fact]
    public async Task ReplayOneAsync_Batch_WritesItAndRemovesItFromTheSpool()
    {
        Assert.True(_spool.TryAppend(Good + "\n", 1));

        Assert.True(await _replay.ReplayOneAsync(TestContext.Current.CancellationToken));

        Assert.Equal([Good + "\n"], _writer.Written);
        Assert.True(_spool.IsEmpty);
    }

    [Fact]
    public async Task ReplayOneAsync_BatchRefusedAsBadData_WritesTheGoodLinesAndDeadLettersTheRefusedOneUnderItsStationAndKind()
    {
        Assert.True(_spool.TryAppend(Good + "\n" + Refused + "\n", 2));

        Assert.True(await _replay.ReplayOneAsync(TestContext.Current.CancellationToken));

        Assert.Equal([Good + "\n" + Refused + "\n", Good, Refused], _writer.Written);
        DeadLetter letter = Assert.Single(_deadLetters.Letters);
        Assert.Equal(("gc/v1/weather/qs-wx-02", "weather", "qs-wx-02", DeadLetter.StorageRejectedCode, Refused, "line-protocol"),
            (letter.Topic, letter.Kind, letter.StationId, letter.ReasonCode, letter.Payload, letter.PayloadEncoding));
        Assert.True(_spool.IsEmpty);
    }

    [Fact]
    public async Task ReplayOneAsync_InfluxUnavailable_ThrowsAndKeepsTheBatch()
    {
        Assert.True(_spool.TryAppend(Good + "\n", 1));
        _writer.Down = true;

        var ex = await Assert.ThrowsAsync<InfluxWriteException>(() => _replay.ReplayOneAsync(TestContext.Current.CancellationToken));

        Assert.True(InfluxWritePolicy.IsUnavailable(ex));
        Assert.Equal(1, _spool.Count);
    }

    private sealed class FakeWriter : IReadingWriter
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

            Written.Add(lineProtocol);
            return lineProtocol.Contains("evil", StringComparison.Ordinal)
                ? throw new InfluxWriteException("field type conflict", statusCode: 400)
                : Task.CompletedTask;
        }
    }

    private sealed class FakeDeadLetters : IDeadLetterStore
    {
        public List<DeadLetter> Letters { get; } = [];

        public Task AppendAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken)
        {
            Letters.AddRange(entries);
            return Task.CompletedTask;
        }
    }
}
