using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;

namespace GardenCity.Monitoring.Ingestion;

/// <summary>One received MQTT message: topic and payload bytes.</summary>
public sealed record ReceivedMessage(string Topic, ReadOnlyMemory<byte> Payload);

/// <summary>
/// Turns a batch of messages into stored readings and dead letters. When <see cref="ProcessAsync"/> returns,
/// every sample of every message is durable: in InfluxDB or in the dead-letter file. Only then may the
/// messages be acknowledged to the broker.
/// </summary>
public sealed class IngestionBatchProcessor(
    WireDecoder decoder,
    IReadingWriter writer,
    IDeadLetterStore deadLetters,
    ResiliencePipelineProvider<string> pipelines,
    IngestionMetrics metrics,
    TimeProvider time,
    ILogger<IngestionBatchProcessor> logger)
{
    private readonly ResiliencePipeline _pipeline = pipelines.GetPipeline(StorageServiceCollectionExtensions.InfluxWritePipeline);

    /// <summary>Decodes, writes and dead-letters; returns the dead letters (for publishing on MQTT).</summary>
    public async Task<IReadOnlyList<DeadLetter>> ProcessAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        DateTimeOffset now = time.GetUtcNow();
        var readings = new List<Reading>();
        var letters = new List<DeadLetter>();
        foreach (ReceivedMessage message in messages)
        {
            DecodeResult result = decoder.Decode(message.Topic, message.Payload.Span, now);
            readings.AddRange(result.Readings);
            foreach (Rejection rejection in result.Rejections)
            {
                logger.Rejected(rejection.Reason.Code(), rejection.Topic, rejection.Detail);
                letters.Add(DeadLetter.From(rejection, now));
            }
        }

        metrics.MessagesReceived.Add(messages.Count);
        if (readings.Count > 0)
        {
            long start = time.GetTimestamp();
            letters.AddRange(await WriteAsync(readings, now, cancellationToken).ConfigureAwait(false));
            metrics.WriteDuration.Record(time.GetElapsedTime(start).TotalSeconds);
        }

        if (letters.Count > 0)
        {
            await deadLetters.AppendAsync(letters, cancellationToken).ConfigureAwait(false);
            foreach (DeadLetter letter in letters)
            {
                metrics.ReadingsDeadLettered.Add(1, new KeyValuePair<string, object?>("reason", letter.ReasonCode));
            }
        }

        logger.BatchStored(readings.Count, messages.Count, letters.Count);
        return letters;
    }

    private async Task<IReadOnlyList<DeadLetter>> WriteAsync(List<Reading> readings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await WriteWithRetryAsync(readings, cancellationToken).ConfigureAwait(false);
            metrics.ReadingsStored.Add(readings.Count);
            return [];
        }
        catch (InfluxWriteException ex) when (StorageServiceCollectionExtensions.IsBadData(ex))
        {
            // Validation should make this rare (e.g. a field type conflict with older data): find the readings
            // InfluxDB refuses by writing one at a time, store the rest, dead-letter the refused ones.
            logger.BatchRefused(readings.Count, ex.Message);
        }

        var letters = new List<DeadLetter>();
        foreach (Reading reading in readings)
        {
            try
            {
                await WriteWithRetryAsync([reading], cancellationToken).ConfigureAwait(false);
                metrics.ReadingsStored.Add(1);
            }
            catch (InfluxWriteException ex) when (StorageServiceCollectionExtensions.IsBadData(ex))
            {
                letters.Add(StorageRejected(reading, ex, now));
            }
        }

        return letters;
    }

    private async Task WriteWithRetryAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            static async (state, ct) => await state.writer.WriteAsync(state.readings, ct).ConfigureAwait(false),
            (writer, readings),
            cancellationToken).ConfigureAwait(false);

    private static DeadLetter StorageRejected(Reading reading, InfluxWriteException ex, DateTimeOffset now)
    {
        string kind = reading.Station.Kind.ToWireName();
        string lines = string.Join('\n', PointMapper.ToPoints(reading).Select(p => p.ToLineProtocol()));
        return new DeadLetter(now, $"gc/v1/{kind}/{reading.Station.Id}", kind, reading.Station.Id, DeadLetter.StorageRejectedCode,
            ex.Message, null, lines, "line-protocol");
    }
}
