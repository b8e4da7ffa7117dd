using System.Diagnostics;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;

namespace GardenCity.Monitoring.Ingestion;

/// <summary>One received MQTT message: topic and payload bytes, and its span when traced (<see cref="IngestionTracing.MessageSpan"/>).</summary>
public sealed record ReceivedMessage(string Topic, ReadOnlyMemory<byte> Payload, Activity? Activity = null);

/// <summary>
/// Turns a batch of messages into durable readings and dead letters. When <see cref="ProcessAsync"/> returns, every
/// sample of every message is durable: in InfluxDB, in the local spool (while InfluxDB is unreachable, or while older
/// spooled readings wait, so that each station's readings arrive in order), or in the dead-letter file. Only then may
/// the messages be acknowledged. It throws <see cref="SpoolFullException"/> when InfluxDB is unreachable and the spool
/// is full (at <c>MaxBytes</c>, or its file system is full): nothing may be acknowledged then, and the process stays up.
/// </summary>
public sealed class IngestionBatchProcessor(
    WireDecoder decoder,
    IReadingWriter writer,
    FileSpool spool,
    IDeadLetterStore deadLetters,
    ResiliencePipelineProvider<string> pipelines,
    IngestionMetrics metrics,
    TimeProvider time,
    ILogger<IngestionBatchProcessor> logger,
    QualityChecker? quality = null)
{
    private readonly ResiliencePipeline _pipeline = pipelines.GetPipeline(StorageServiceCollectionExtensions.InfluxWritePipeline);
    private readonly ResiliencePipeline _spoolFull = pipelines.GetPipeline(IngestionResilience.SpoolFullPipeline);
    private LineProtocolBuffer? _lines;

    /// <summary>Decodes, stores and dead-letters; returns the dead letters (for publishing on MQTT).</summary>
    public async Task<IReadOnlyList<DeadLetter>> ProcessAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        DateTimeOffset now = time.GetUtcNow();
        var readings = new List<Reading>();
        var letters = new List<DeadLetter>();
        foreach (ReceivedMessage message in messages)
        {
            // A child of the message's span, when it is traced; its logs (rejections) carry the message's trace id.
            using Activity? decode = message.Activity is null ? null : IngestionTracing.Source.StartActivity(IngestionTracing.DecodeSpan, ActivityKind.Internal, message.Activity.Context);
            DecodeResult result = decoder.Decode(message.Topic, message.Payload, now);
            foreach (Reading reading in result.Readings)
            {
                readings.Add(quality is null ? reading : Check(quality, reading, now, readings));
            }

            foreach (Rejection rejection in result.Rejections)
            {
                logger.Rejected(rejection.Reason.Code(), rejection.Topic, rejection.Detail);
                letters.Add(DeadLetter.From(rejection, now));
            }

            if (message.Activity is { } activity)
            {
                Decoded(activity, decode, result);
            }
        }

        string outcome = IngestionTracing.Stored;
        if (readings.Count > 0)
        {
            using Activity? store = StartStore(messages, readings.Count);
            try
            {
                (IReadOnlyList<DeadLetter> refused, outcome) = await StoreAsync(readings, now, cancellationToken).ConfigureAwait(false);
                letters.AddRange(refused);
                store?.SetTag(IngestionTracing.OutcomeAttribute, outcome);
                store?.SetTag(IngestionTracing.RejectedAttribute, refused.Count);
            }
            catch (Exception ex) when (store is not null)
            {
                store.SetStatus(ActivityStatusCode.Error, ex.Message); // e.g. the spool is full: the batch is tried again
                throw;
            }
        }

        foreach (ReceivedMessage message in messages)
        {
            if (message.Activity is { } activity)
            {
                activity.SetTag(IngestionTracing.OutcomeAttribute,
                    activity.GetTagItem(IngestionTracing.ReadingsAttribute) is > 0 ? outcome
                    : activity.GetTagItem(IngestionTracing.RejectedAttribute) is > 0 ? IngestionTracing.DeadLetter
                    : IngestionTracing.Empty);
            }
        }

        if (letters.Count > 0)
        {
            await deadLetters.AppendAsync(letters, cancellationToken).ConfigureAwait(false);
            foreach (DeadLetter letter in letters)
            {
                metrics.ReadingsDeadLettered.Add(1, new KeyValuePair<string, object?>("reason", letter.ReasonCode));
            }
        }

        metrics.MessagesReceived.Add(messages.Count);
        logger.BatchStored(readings.Count, messages.Count, letters.Count);
        return letters;
    }

    /// <summary>Puts what decoding found on the message's span and the decode span.</summary>
    private static void Decoded(Activity message, Activity? decode, DecodeResult result)
    {
        message.SetTag(IngestionTracing.ReadingsAttribute, result.Readings.Count);
        message.SetTag(IngestionTracing.RejectedAttribute, result.Rejections.Count);
        if (decode is not null)
        {
            decode.SetTag(IngestionTracing.ReadingsAttribute, result.Readings.Count);
            decode.SetTag(IngestionTracing.RejectedAttribute, result.Rejections.Count);
            if (result.Rejections.Count > 0)
            {
                decode.SetTag("gardencity.rejection.reason", result.Rejections[0].Reason.Code());
            }
        }
    }

    /// <summary>
    /// The span of one batch write, a trace of its own linked to the spans of the batch's traced messages (one span
    /// instead of a child under each of up to <c>BatchSize</c> messages). Null when no message is traced.
    /// </summary>
    private static Activity? StartStore(IReadOnlyList<ReceivedMessage> messages, int readings)
    {
        List<ActivityLink>? links = null;
        foreach (ReceivedMessage message in messages)
        {
            if (message.Activity is { } activity)
            {
                (links ??= new List<ActivityLink>(messages.Count)).Add(new ActivityLink(activity.Context));
            }
        }

        if (links is null)
        {
            return null;
        }

        Activity? previous = Activity.Current;
        Activity.Current = null;
        Activity? store = IngestionTracing.Source.StartActivity(IngestionTracing.StoreSpan, ActivityKind.Internal, default(ActivityContext), links: links);
        if (store is null)
        {
            Activity.Current = previous;
            return null;
        }

        store.SetTag(IngestionTracing.MessagesAttribute, messages.Count);
        store.SetTag(IngestionTracing.ReadingsAttribute, readings);
        return store;
    }

    /// <summary>
    /// Runs the quality checks (docs/data-quality.md) on one reading: returns it with its flags, and adds a
    /// <see cref="QualityUpdate"/> for every earlier reading this one re-flagged (a spike), stored in the same batch.
    /// </summary>
    private Reading Check(QualityChecker checker, Reading reading, DateTimeOffset now, List<Reading> readings)
    {
        if (reading is not TelemetryReading)
        {
            return reading;
        }

        QualityAssessment assessment = checker.Assess(reading, now);
        string kind = reading.Station.Kind.ToWireName();
        if (assessment.Quality.Flag != QualityFlag.Good)
        {
            metrics.ReadingsFlagged.Add(1, new KeyValuePair<string, object?>("flag", assessment.Quality.Flag.ToWireName()), new KeyValuePair<string, object?>("kind", kind));
        }

        foreach (QualityRevision revision in assessment.Revisions)
        {
            readings.Add(new QualityUpdate(revision.Station, revision.Timestamp, revision.Quality));
            metrics.ReadingsFlagged.Add(1, new KeyValuePair<string, object?>("flag", revision.Quality.Flag.ToWireName()), new KeyValuePair<string, object?>("kind", kind));
        }

        if (assessment.ClockDrift is { } drift)
        {
            if (drift == TimeSpan.Zero)
            {
                logger.ClockDriftEnded(reading.Station.Id);
            }
            else
            {
                logger.ClockDriftStarted(reading.Station.Id, drift);
            }
        }

        return reading with { Quality = assessment.Quality };
    }

    /// <summary>
    /// <see cref="ProcessAsync"/> through the <c>spool-full</c> pipeline (<see cref="IngestionResilience.SpoolFullPipeline"/>):
    /// tried again every <c>ReconnectDelay</c> while the spool is full, and returns only once the batch is durable. Meanwhile
    /// nothing is acknowledged, which is the back-pressure on the broker or stations.
    /// </summary>
    public async Task<IReadOnlyList<DeadLetter>> ProcessUntilDurableAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken) =>
        await _spoolFull.ExecuteAsync(
            static async (state, ct) => await state.Processor.ProcessAsync(state.Messages, ct).ConfigureAwait(false),
            (Processor: this, Messages: messages),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Prepares the store. InfluxDB being down at start is no error: readings are spooled, and the v1 writer creates the database on the first write that finds it missing.</summary>
    public async Task InitializeStoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            await writer.InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.StoreNotReady(ex.Message);
        }
    }

    /// <summary>Stores or spools; returns the readings InfluxDB refused (as dead letters) and the batch's outcome (<see cref="IngestionTracing.Stored"/> or <see cref="IngestionTracing.Spooled"/>, also when part of it was spooled).</summary>
    private async Task<(IReadOnlyList<DeadLetter> Letters, string Outcome)> StoreAsync(List<Reading> readings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The batch is turned into line protocol once, and the same bytes go to InfluxDB or to the spool. The buffer is
        // kept for the next batch (taken, not shared, should two batches ever be stored at once).
        LineProtocolBuffer lines = Interlocked.Exchange(ref _lines, null) ?? new LineProtocolBuffer();
        try
        {
            lines.Clear();
            PointMapper.Write(lines, readings);
            if (!spool.IsEmpty)
            {
                Spool(lines.Written.Span, readings.Count);
                return ([], IngestionTracing.Spooled);
            }

            try
            {
                await WriteAsync(lines.Written, readings.Count, cancellationToken).ConfigureAwait(false);
                return ([], IngestionTracing.Stored);
            }
            catch (InfluxWriteException ex) when (InfluxWritePolicy.IsBadData(ex))
            {
                // Validation makes this rare (e.g. a field type conflict with older data): find the readings InfluxDB
                // refuses by writing one at a time, store the rest, dead-letter the refused ones.
                logger.BatchRefused(readings.Count, ex.Message);
            }
            catch (Exception ex) when (InfluxWritePolicy.IsUnavailable(ex))
            {
                logger.Spooling(readings.Count, ex.Message);
                Spool(lines.Written.Span, readings.Count);
                return ([], IngestionTracing.Spooled);
            }

            return await StoreOneByOneAsync(readings, lines, now, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _lines, lines);
        }
    }

    private async Task<(IReadOnlyList<DeadLetter> Letters, string Outcome)> StoreOneByOneAsync(List<Reading> readings, LineProtocolBuffer lines, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        string outcome = IngestionTracing.Stored;
        for (int i = 0; i < readings.Count; i++)
        {
            lines.Clear();
            PointMapper.Write(lines, readings[i]);
            try
            {
                await WriteAsync(lines.Written, 1, cancellationToken).ConfigureAwait(false);
            }
            catch (InfluxWriteException ex) when (InfluxWritePolicy.IsBadData(ex))
            {
                letters.Add(StorageRejected(readings[i], lines.ToString(), ex, now));
            }
            catch (Exception ex) when (InfluxWritePolicy.IsUnavailable(ex))
            {
                lines.Clear();
                PointMapper.Write(lines, readings.GetRange(i, readings.Count - i));
                Spool(lines.Written.Span, readings.Count - i);
                outcome = IngestionTracing.Spooled;
                break;
            }
        }

        return (letters, outcome);
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> lines, int readings, CancellationToken cancellationToken)
    {
        long start = time.GetTimestamp();
        await _pipeline.ExecuteAsync(
            static async (state, ct) => await state.writer.WriteLinesAsync(state.lines, ct).ConfigureAwait(false),
            (writer, lines),
            cancellationToken).ConfigureAwait(false);
        metrics.WriteDuration.Record(time.GetElapsedTime(start).TotalSeconds);
        metrics.ReadingsStored.Add(readings);
    }

    private void Spool(ReadOnlySpan<byte> lines, int readings)
    {
        switch (spool.Append(lines, readings))
        {
            case SpoolAppendResult.LimitReached:
                throw new SpoolFullException();
            case SpoolAppendResult.DiskFull:
                throw new SpoolFullException($"InfluxDB is unreachable and the spool's file system is full ({spool.DiskFullError})");
        }

        metrics.ReadingsSpooled.Add(readings);
    }

    private static DeadLetter StorageRejected(Reading reading, string lineProtocol, InfluxWriteException ex, DateTimeOffset now)
    {
        string kind = reading.Station.Kind.ToWireName();
        return new DeadLetter(now, $"gc/v1/{kind}/{reading.Station.Id}", kind, reading.Station.Id, DeadLetter.StorageRejectedCode,
            ex.Message, null, lineProtocol, "line-protocol");
    }
}
