namespace GardenCity.Monitoring.Core.Wire;

/// <summary>Why a message or a sample was rejected. Each has a stable code, see <see cref="RejectionReasons.Code"/>.</summary>
public enum RejectionReason
{
    /// <summary><c>payload-too-large</c>: the message is larger than the configured limit (64 KiB by default).</summary>
    PayloadTooLarge,

    /// <summary><c>invalid-utf8</c>: the payload is not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary><c>malformed-json</c>: the payload is not JSON, or nests deeper than allowed.</summary>
    MalformedJson,

    /// <summary><c>invalid-topic</c>: the topic is not <c>gc/v1/{kind}/{stationId}/{stream}</c>.</summary>
    InvalidTopic,

    /// <summary><c>unknown-station</c>: the station id is not in the registry.</summary>
    UnknownStation,

    /// <summary><c>kind-mismatch</c>: the topic's kind differs from the station's kind in the registry.</summary>
    KindMismatch,

    /// <summary><c>invalid-structure</c>: the JSON has the wrong shape (not an object, <c>samples</c> not a list of objects, <c>values</c> not an object).</summary>
    InvalidStructure,

    /// <summary><c>missing-ts</c>: the sample has no <c>ts</c>.</summary>
    MissingTs,

    /// <summary><c>invalid-ts</c>: <c>ts</c> is not an RFC 3339 date-time.</summary>
    InvalidTs,

    /// <summary><c>ts-without-zone</c>: <c>ts</c> has no zone designator (<c>Z</c> or an offset).</summary>
    TsWithoutZone,

    /// <summary><c>ts-in-future</c>: <c>ts</c> is more than the tolerance (5 minutes) ahead of the receiver's clock.</summary>
    TsInFuture,

    /// <summary><c>ts-too-old</c>: <c>ts</c> is before the oldest accepted time (2000-01-01 by default): a station clock that was never set.</summary>
    TsTooOld,

    /// <summary><c>missing-seq</c>: a telemetry or event sample has no <c>seq</c>.</summary>
    MissingSeq,

    /// <summary><c>invalid-seq</c>: <c>seq</c> is not a non-negative integer.</summary>
    InvalidSeq,

    /// <summary><c>not-a-number</c>: a numeric field holds text, a boolean, null, a list or an object.</summary>
    NotANumber,

    /// <summary><c>non-finite</c>: a numeric field overflows to infinity (or is NaN).</summary>
    NonFinite,

    /// <summary><c>out-of-range</c>: a value is outside its field's valid range.</summary>
    OutOfRange,

    /// <summary><c>unknown-field</c>: a field name the contract does not define for this kind and stream.</summary>
    UnknownField,

    /// <summary><c>missing-field</c>: a required field other than <c>ts</c> and <c>seq</c> is absent.</summary>
    MissingField,

    /// <summary><c>no-values</c>: a telemetry sample with an empty <c>values</c> object, or a backlog with no samples.</summary>
    NoValues,

    /// <summary><c>invalid-event</c>: an event field has the wrong form (event id, species name, detection type, …).</summary>
    InvalidEvent,
}

/// <summary>Stable codes of <see cref="RejectionReason"/>.</summary>
public static class RejectionReasons
{
    /// <summary>The kebab-case code used in dead letters and metrics.</summary>
    public static string Code(this RejectionReason reason) => reason switch
    {
        RejectionReason.PayloadTooLarge => "payload-too-large",
        RejectionReason.InvalidUtf8 => "invalid-utf8",
        RejectionReason.MalformedJson => "malformed-json",
        RejectionReason.InvalidTopic => "invalid-topic",
        RejectionReason.UnknownStation => "unknown-station",
        RejectionReason.KindMismatch => "kind-mismatch",
        RejectionReason.InvalidStructure => "invalid-structure",
        RejectionReason.MissingTs => "missing-ts",
        RejectionReason.InvalidTs => "invalid-ts",
        RejectionReason.TsWithoutZone => "ts-without-zone",
        RejectionReason.TsInFuture => "ts-in-future",
        RejectionReason.TsTooOld => "ts-too-old",
        RejectionReason.MissingSeq => "missing-seq",
        RejectionReason.InvalidSeq => "invalid-seq",
        RejectionReason.NotANumber => "not-a-number",
        RejectionReason.NonFinite => "non-finite",
        RejectionReason.OutOfRange => "out-of-range",
        RejectionReason.UnknownField => "unknown-field",
        RejectionReason.MissingField => "missing-field",
        RejectionReason.NoValues => "no-values",
        RejectionReason.InvalidEvent => "invalid-event",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

/// <summary>
/// A rejected message (when <see cref="SampleIndex"/> is null) or one rejected sample of a message,
/// with the reason and the original bytes, ready for the dead-letter store.
/// </summary>
/// <param name="Topic">The topic it arrived on.</param>
/// <param name="Kind">The kind named in the topic, if the topic could be read that far.</param>
/// <param name="StationId">The station named in the topic, if the topic could be read that far.</param>
/// <param name="Reason">Why.</param>
/// <param name="Detail">A sentence naming the field and value at fault.</param>
/// <param name="SampleIndex">Index of the sample in a backlog (0 for a single sample), null for the whole message.</param>
/// <param name="Payload">The original JSON of the sample, or of the whole message; for a payload that is not UTF-8, base64.</param>
/// <param name="PayloadIsBase64">Whether <paramref name="Payload"/> is base64 (the bytes were not UTF-8 text).</param>
public sealed record Rejection(
    string Topic,
    string? Kind,
    string? StationId,
    RejectionReason Reason,
    string Detail,
    int? SampleIndex,
    string Payload,
    bool PayloadIsBase64 = false);
