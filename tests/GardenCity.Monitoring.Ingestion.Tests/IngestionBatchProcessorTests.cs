using System.Diagnostics.Metrics;
using System.Text;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using GardenCity.Monitoring.Storage.Tests.Spool;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace GardenCity.Monitoring.Ingestion.Tests;

public sealed class IngestionBatchProcessorTests
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));

    [Fact]
    public async Task ProcessAsync_InfluxDownAndSpoolFileSystemFull_ThrowsSpoolFullNotTheIOException()
    {
        using Tmpfs tmpfs = Tmpfs.Mount("128k");
        using ServiceProvider services = new ServiceCollection()
            .AddMetrics()
            .AddLogging()
            .AddResiliencePipeline(StorageServiceCollectionExtensions.InfluxWritePipeline, _ => { })
            .AddIngestionResilience()
            .BuildServiceProvider();
        using var spool = new FileSpool(Options.Create(new SpoolOptions { Directory = tmpfs.Path, SegmentBytes = 1 << 20 }), NullLogger<FileSpool>.Instance);
        foreach (string filler in new[] { new string('x', 4000), "x" })
        {
            for (int i = 0; i < 10_000 && spool.Append(filler, 1) == SpoolAppendResult.Appended; i++)
            {
            }
        }

        Assert.NotNull(spool.DiskFullError);
        using var metrics = new IngestionMetrics(services.GetRequiredService<IMeterFactory>(), spool, new IngestionState());
        var processor = new IngestionBatchProcessor(new WireDecoder(Registry, new WireDecoderOptions()), new DownWriter(), spool, new NoDeadLetters(),
            services.GetRequiredService<ResiliencePipelineProvider<string>>(), metrics, TimeProvider.System, NullLogger<IngestionBatchProcessor>.Instance);
        int count = spool.Count;
        string json = $"{{\"samples\":[{{\"ts\":\"{TimeProvider.System.GetUtcNow().AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}\",\"seq\":1,\"values\":{{\"water_level_m\":1.25}}}}]}}";

        SpoolFullException ex = await Assert.ThrowsAsync<SpoolFullException>(() =>
            processor.ProcessAsync([new ReceivedMessage("gc/v1/water-level/yd-wl-01/telemetry", Encoding.UTF8.GetBytes(json))], TestContext.Current.CancellationToken));

        Assert.Contains("file system is full", ex.Message, StringComparison.Ordinal);
        Assert.Equal(count, spool.Count);
    }

    private sealed class DownWriter : IReadingWriter
    {
        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task WriteLinesAsync(ReadOnlyMemory<byte> lineProtocol, CancellationToken cancellationToken) =>
            WriteLinesAsync(System.Text.Encoding.UTF8.GetString(lineProtocol.Span), cancellationToken);

        public Task WriteLinesAsync(string lineProtocol, CancellationToken cancellationToken) =>
            throw new InfluxWriteException("connection refused", statusCode: null);
    }

    private sealed class NoDeadLetters : IDeadLetterStore
    {
        public Task AppendAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken) =>
            entries.Count == 0 ? Task.CompletedTask : throw new InvalidOperationException("no dead letters expected");
    }
}
