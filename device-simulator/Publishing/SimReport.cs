using System.Text.Json.Serialization;
using GardenCity.Monitoring.DeviceSimulator.Model;

namespace GardenCity.Monitoring.DeviceSimulator.Publishing;

/// <summary>Messages and samples per kind or station.</summary>
public sealed class Counts
{
    /// <summary>Messages published.</summary>
    [JsonPropertyName("messages")]
    public long Messages { get; set; }

    /// <summary>Valid samples in them.</summary>
    [JsonPropertyName("samples")]
    public long Samples { get; set; }
}

/// <summary>What a run published, and what the pipeline should have made of it. Written with <c>--report</c>.</summary>
public sealed class SimReport
{
    /// <summary>The scenario's name.</summary>
    [JsonPropertyName("scenario")]
    public string Scenario { get; set; } = string.Empty;

    /// <summary>The seed of the run.</summary>
    [JsonPropertyName("seed")]
    public ulong Seed { get; set; }

    /// <summary>Start of the simulated period.</summary>
    [JsonPropertyName("start")]
    public DateTimeOffset Start { get; set; }

    /// <summary>End of the simulated period.</summary>
    [JsonPropertyName("end")]
    public DateTimeOffset End { get; set; }

    /// <summary>Stations in the fleet.</summary>
    [JsonPropertyName("stations")]
    public int Stations { get; set; }

    /// <summary>Messages published by the stations (the good and, in bad-inputs, the malformed ones).</summary>
    [JsonPropertyName("messages")]
    public long Messages { get; set; }

    /// <summary>Valid samples in them (a backlog message holds many).</summary>
    [JsonPropertyName("samples")]
    public long Samples { get; set; }

    /// <summary>Messages and samples per station kind.</summary>
    [JsonPropertyName("by_kind")]
    public SortedDictionary<string, Counts> ByKind { get; } = new(StringComparer.Ordinal);

    /// <summary>Messages and samples per station.</summary>
    [JsonPropertyName("by_station")]
    public SortedDictionary<string, Counts> ByStation { get; } = new(StringComparer.Ordinal);

    /// <summary>Points InfluxDB should end up with per measurement (wills included).</summary>
    [JsonPropertyName("expected_points")]
    public SortedDictionary<string, long> ExpectedPoints { get; } = new(StringComparer.Ordinal);

    /// <summary>Malformed messages sent, by the rejection reason the contract requires.</summary>
    [JsonPropertyName("expected_rejections")]
    public SortedDictionary<string, long> ExpectedRejections { get; } = new(StringComparer.Ordinal);

    /// <summary>Malformed messages the broker itself refused (per-station ACLs), by the reason the pipeline would have given.</summary>
    [JsonPropertyName("refused_by_broker")]
    public SortedDictionary<string, long> RefusedByBroker { get; } = new(StringComparer.Ordinal);

    /// <summary>Last Wills triggered (links lost); the broker publishes them.</summary>
    [JsonPropertyName("wills")]
    public long Wills { get; set; }

    /// <summary>Store-and-forward (backlog) messages among <see cref="Messages"/>.</summary>
    [JsonPropertyName("backlog_messages")]
    public long BacklogMessages { get; set; }

    /// <summary>Samples measured during an outage without backlog: lost at the station, never published.</summary>
    [JsonPropertyName("samples_lost_at_stations")]
    public long SamplesLostAtStations { get; set; }

    /// <summary>Messages whose publish failed (not refused by design, not acknowledged by the broker).</summary>
    [JsonPropertyName("publish_failures")]
    public long PublishFailures { get; set; }

    /// <summary>Counts one message the fleet sent (or, for a lost link, the will the broker sends).</summary>
    public void Add(SimMessage message, string kind)
    {
        switch (message.Type)
        {
            case SimMessageType.LinkBack:
                return;
            case SimMessageType.LinkLost:
                Wills++;
                break;
            case SimMessageType.Bad:
                Messages++;
                ExpectedRejections[message.ExpectedRejection!] = ExpectedRejections.GetValueOrDefault(message.ExpectedRejection!) + 1;
                return;
            default:
                Messages++;
                Samples += message.Samples;
                if (message.Type == SimMessageType.Backlog)
                {
                    BacklogMessages++;
                }

                Counts k = ByKind.TryGetValue(kind, out Counts? c) ? c : ByKind[kind] = new Counts();
                k.Messages++;
                k.Samples += message.Samples;
                Counts s = ByStation.TryGetValue(message.StationId, out Counts? d) ? d : ByStation[message.StationId] = new Counts();
                s.Messages++;
                s.Samples += message.Samples;
                break;
        }

        foreach ((string measurement, int n) in message.ExpectedPoints)
        {
            ExpectedPoints[measurement] = ExpectedPoints.GetValueOrDefault(measurement) + n;
        }
    }
}
