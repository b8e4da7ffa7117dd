using System.Text.Json.Serialization;
using GardenCity.Monitoring.Core.Wire;

namespace GardenCity.Monitoring.Storage.DeadLetters;

/// <summary>
/// A rejected message or sample as stored in the dead-letter file and published on
/// <c>gc/v1/dead-letter/{kind}/{stationId}</c>; the JSON names are part of the documented output.
/// </summary>
public sealed record DeadLetter(
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("station_id")] string? StationId,
    [property: JsonPropertyName("reason_code")] string ReasonCode,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("sample_index")] int? SampleIndex,
    [property: JsonPropertyName("payload")] string Payload,
    [property: JsonPropertyName("payload_encoding")] string PayloadEncoding)
{
    /// <summary>Reason code for readings that passed validation but InfluxDB refused as bad data.</summary>
    public const string StorageRejectedCode = "storage-rejected";

    /// <summary>Builds the dead letter of a decoder rejection.</summary>
    public static DeadLetter From(Rejection rejection, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        return new DeadLetter(receivedAt, rejection.Topic, rejection.Kind, rejection.StationId, rejection.Reason.Code(), rejection.Detail,
            rejection.SampleIndex, rejection.Payload, rejection.PayloadIsBase64 ? "base64" : "utf-8");
    }

    /// <summary>The topic this dead letter is published on.</summary>
    [JsonIgnore]
    public string OutputTopic => WireTopic.DeadLetter(Kind, StationId);
}
