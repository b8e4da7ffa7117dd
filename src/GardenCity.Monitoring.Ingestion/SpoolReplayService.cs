using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;

namespace GardenCity.Monitoring.Ingestion;

/// <summary>
/// Replays the spool to InfluxDB, oldest batch first, and removes each batch only once InfluxDB accepted it; a
/// segment file is deleted when all its batches are removed. While InfluxDB is down it waits and tries again (the
/// <c>spool-replay</c> pipeline: 400 ms doubling to 5 s).
/// </summary>
internal sealed class SpoolReplayService(
    FileSpool spool,
    IReadingWriter writer,
    IDeadLetterStore deadLetters,
    ResiliencePipelineProvider<string> pipelines,
    IngestionMetrics metrics,
    TimeProvider time,
    ILogger<SpoolReplayService> logger) : BackgroundService
{
    private readonly ResiliencePipeline _pipeline = pipelines.GetPipeline(StorageServiceCollectionExtensions.InfluxWritePipeline);
    private readonly ResiliencePipeline _replay = pipelines.GetPipeline(IngestionResilience.SpoolReplayPipeline);

    /// <summary>How long the replay idles while the spool is empty.</summary>
    internal static readonly TimeSpan IdleDelay = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReplayStepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One turn of the loop: replays the oldest batch through the <c>spool-replay</c> pipeline, which waits out an
    /// unavailable InfluxDB with back-off (<see cref="IngestionResilience.ConfigureSpoolReplayPipeline"/>); with the spool
    /// empty it idles <see cref="IdleDelay"/> instead. True when a batch was replayed.
    /// </summary>
    internal async Task<bool> ReplayStepAsync(CancellationToken cancellationToken)
    {
        bool replayed = await _replay.ExecuteAsync(
            static async (service, ct) => await service.ReplayOneAsync(ct).ConfigureAwait(false),
            this,
            cancellationToken).ConfigureAwait(false);
        if (!replayed)
        {
            await Task.Delay(IdleDelay, time, cancellationToken).ConfigureAwait(false);
        }

        return replayed;
    }

    /// <summary>
    /// Replays the oldest batch and removes it; false when the spool is empty. When InfluxDB refuses the batch as bad
    /// data, its points are written one by one and the refused ones dead-lettered under the station and kind the spool
    /// record gives them. Throws what <see cref="InfluxWritePolicy.IsUnavailable"/> recognises while InfluxDB is
    /// down; the batch then stays in the spool.
    /// </summary>
    internal async Task<bool> ReplayOneAsync(CancellationToken cancellationToken)
    {
        SpoolRecord? record = await spool.WriteOldestAsync(WriteAsync, deadLetters,
            (line, error) => new DeadLetter(time.GetUtcNow(), $"gc/v1/{line.Kind}/{line.Station}", line.Kind, line.Station, DeadLetter.StorageRejectedCode, error.Message, null, line.LineProtocol, "line-protocol"),
            cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return false;
        }

        metrics.ReadingsStored.Add(record.Readings);
        logger.Replayed(record.Readings, spool.Count);
        return true;
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            static async (state, ct) => await state.writer.WriteLinesAsync(state.lines, ct).ConfigureAwait(false),
            (writer, lines),
            cancellationToken).ConfigureAwait(false);
}
