using System.Text.RegularExpressions;
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
internal sealed partial class SpoolReplayService(
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
            catch (Exception ex) when (IngestionBatchProcessor.IsUnavailable(ex))
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

    /// <summary>Replays the oldest batch; false when the spool is empty.</summary>
    internal async Task<bool> ReplayOneAsync(CancellationToken cancellationToken)
    {
        SpoolRecord? record = spool.PeekOldest();
        if (record is null)
        {
            return false;
        }

        try
        {
            await WriteAsync(record.LineProtocol, cancellationToken).ConfigureAwait(false);
        }
        catch (InfluxWriteException ex) when (StorageServiceCollectionExtensions.IsBadData(ex))
        {
            var refused = new List<DeadLetter>();
            foreach (string line in record.LineProtocol.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                try
                {
                    await WriteAsync(line, cancellationToken).ConfigureAwait(false);
                }
                catch (InfluxWriteException lineError) when (StorageServiceCollectionExtensions.IsBadData(lineError))
                {
                    string station = StationTag().Match(line) is { Success: true } m ? m.Groups[1].Value : "unknown";
                    string kind = KindTag().Match(line) is { Success: true } k ? k.Groups[1].Value : "unknown";
                    refused.Add(new DeadLetter(time.GetUtcNow(), $"gc/v1/{kind}/{station}", kind, station, DeadLetter.StorageRejectedCode, lineError.Message, null, line, "line-protocol"));
                }
            }

            await deadLetters.AppendAsync(refused, cancellationToken).ConfigureAwait(false);
        }

        spool.Remove(record);
        metrics.ReadingsStored.Add(record.Readings);
        logger.Replayed(record.Readings, spool.Count);
        return true;
    }

    private async Task WriteAsync(string lines, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            static async (state, ct) => await state.writer.WriteLinesAsync(state.lines, ct).ConfigureAwait(false),
            (writer, lines),
            cancellationToken).ConfigureAwait(false);

    [GeneratedRegex(@"[,]station=([^,\s]+)")]
    private static partial Regex StationTag();

    [GeneratedRegex(@"[,]kind=([^,\s]+)")]
    private static partial Regex KindTag();
}
