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
/// segment file is deleted when all its batches are removed. While InfluxDB is down it waits and tries again.
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan pause = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await ReplayOneAsync(stoppingToken).ConfigureAwait(false))
                {
                    pause = TimeSpan.FromMilliseconds(200);
                    continue;
                }

                await Task.Delay(pause, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (InfluxWritePolicy.IsUnavailable(ex))
            {
                logger.ReplayWaiting(spool.Count, ex.Message);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                try
                {
                    await Task.Delay(pause, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Replays the oldest batch and removes it; false when the spool is empty. When InfluxDB refuses the batch as bad
    /// data, its points are written one by one and the refused ones dead-lettered under the station and kind the spool
    /// record gives them. Throws what <see cref="IngestionBatchProcessor.IsUnavailable"/> recognises while InfluxDB is
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

    private async Task WriteAsync(string lines, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            static async (state, ct) => await state.writer.WriteLinesAsync(state.lines, ct).ConfigureAwait(false),
            (writer, lines),
            cancellationToken).ConfigureAwait(false);
}
