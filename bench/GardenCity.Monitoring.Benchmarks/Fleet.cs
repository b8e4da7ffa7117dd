using System.Globalization;
using System.Text;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;

namespace GardenCity.Monitoring.Benchmarks;

/// <summary>The shipped registry and quality policy, and wire-contract v1 messages of its water-level gauges.</summary>
public static class Fleet
{
    /// <summary>The shipped registry (deploy/stations.yaml).</summary>
    public static StationRegistry Registry { get; } = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));

    /// <summary>The shipped quality policy (deploy/quality.yaml).</summary>
    public static QualityPolicy Quality { get; } = QualityPolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "quality.yaml"), Registry);

    /// <summary>The registry's water-level gauges.</summary>
    public static Station[] Gauges { get; } = [.. Registry.Stations.Where(s => s.Kind == StationKind.WaterLevel)];

    /// <summary>The first sample's time.</summary>
    public static readonly DateTimeOffset T0 = new(2023, 7, 31, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// <paramref name="count"/> telemetry messages as stations send them (topic, payload), round robin over the gauges,
    /// one minute apart per gauge, each with <paramref name="samples"/> samples (1: a live message; more: a backlog).
    /// </summary>
    public static (string Topic, byte[] Payload)[] TelemetryMessages(int count, int samples = 1)
    {
        var messages = new (string, byte[])[count];
        for (int i = 0; i < count; i++)
        {
            Station gauge = Gauges[i % Gauges.Length];
            int minute = i / Gauges.Length * samples;
            var json = new StringBuilder(samples == 1 ? string.Empty : "{\"samples\":[");
            for (int s = 0; s < samples; s++)
            {
                int m = minute + s;
                json.Append(CultureInfo.InvariantCulture, $"{(s > 0 ? "," : string.Empty)}{{\"ts\":\"{T0.AddMinutes(m):yyyy-MM-ddTHH:mm:ssZ}\",\"seq\":{m},\"values\":{{\"water_level_m\":{1.5 + (m % 50 / 100.0)},\"rain_mm\":{m % 7 * 0.5}}}}}");
            }

            if (samples > 1)
            {
                json.Append("]}");
            }

            messages[i] = (WireTopic.Format(StationKind.WaterLevel, gauge.Id, WireStream.Telemetry), Encoding.UTF8.GetBytes(json.ToString()));
        }

        return messages;
    }

    /// <summary>The messages decoded (all valid).</summary>
    public static List<Reading> Decode((string Topic, byte[] Payload)[] messages)
    {
        var decoder = new WireDecoder(Registry, new WireDecoderOptions());
        var readings = new List<Reading>();
        foreach ((string topic, byte[] payload) in messages)
        {
            DecodeResult result = decoder.Decode(topic, payload, T0.AddDays(1));
            if (result.Rejections.Count > 0)
            {
                throw new InvalidOperationException($"{topic}: {result.Rejections[0].Detail}");
            }

            readings.AddRange(result.Readings);
        }

        return readings;
    }
}
