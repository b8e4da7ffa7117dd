using System.Globalization;

namespace GardenCity.Monitoring.LoadGen;

/// <summary>
/// What the load publishes, decided before the run: <see cref="Stations"/> water-level gauges <c>load-wl-00000</c>…,
/// <see cref="ReadingsPerStation"/> readings each (reading k of a station has <c>seq</c> k + 1). The first
/// <see cref="AlertStations"/> stations cross the shipped <c>flood-level</c> rule's four levels (registry warning level
/// 3.0 m, guaranteed 4.5 m: blue from 2.7 m, yellow 3.0, orange 3.5, red 4.5) in four consecutive readings starting at
/// <see cref="CrossingStart"/>, each crossing value unique to its level, and stay above red afterwards; every other
/// reading lies between 2.00 and 2.49 m, below any level. Steps stay under the quality policy's 1 m rate limit and never
/// come back down, so no crossing is a spike.
/// </summary>
internal sealed class LoadPlan
{
    /// <summary>The water level of the crossing readings, blue, yellow, orange, red (unique: no other reading has them).</summary>
    public static readonly double[] CrossingValues = [2.801, 3.101, 3.601, 4.551];

    /// <summary>A plan; <paramref name="alertStations"/> must not exceed <paramref name="stations"/>.</summary>
    public LoadPlan(int stations, int readingsPerStation, int alertStations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(readingsPerStation, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(alertStations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(alertStations, stations);
        if (alertStations > 0 && readingsPerStation < 8)
        {
            throw new ArgumentOutOfRangeException(nameof(readingsPerStation), "threshold crossings need at least 8 readings per station");
        }

        Stations = stations;
        ReadingsPerStation = readingsPerStation;
        AlertStations = alertStations;
    }

    /// <summary>Number of stations (one MQTT connection each).</summary>
    public int Stations { get; }

    /// <summary>Readings each station publishes.</summary>
    public int ReadingsPerStation { get; }

    /// <summary>The first this many stations cross the flood levels.</summary>
    public int AlertStations { get; }

    /// <summary>All readings of the run.</summary>
    public long Total => (long)Stations * ReadingsPerStation;

    /// <summary>Station id of station <paramref name="station"/> (0-based).</summary>
    public static string StationId(int station) => "load-wl-" + station.ToString("D5", CultureInfo.InvariantCulture);

    /// <summary>The wire-contract topic of a station's telemetry.</summary>
    public static string Topic(int station) => $"gc/v1/water-level/{StationId(station)}/telemetry";

    /// <summary>
    /// The index of the first crossing reading of an alert station: spread over the middle half of the run, so the
    /// crossings happen while the load is steady, not during connection or drain.
    /// </summary>
    public int CrossingStart(int station) => ReadingsPerStation / 4 + (int)((long)station * (ReadingsPerStation / 2) / Math.Max(1, AlertStations));

    /// <summary>The water level of reading <paramref name="k"/> of <paramref name="station"/>.</summary>
    public double Value(int station, int k)
    {
        if (station < AlertStations)
        {
            int c = CrossingStart(station);
            if (k >= c && k < c + CrossingValues.Length)
            {
                return CrossingValues[k - c];
            }

            if (k >= c + CrossingValues.Length)
            {
                return 4.600 + (k % 20) / 1000.0;
            }
        }

        return 2.00 + ((k * 7 + station) % 50) / 100.0;
    }

    /// <summary>The crossing readings of the run: (station, reading index, value).</summary>
    public IEnumerable<(int Station, int Reading, double Value)> Crossings()
    {
        for (int s = 0; s < AlertStations; s++)
        {
            int c = CrossingStart(s);
            for (int i = 0; i < CrossingValues.Length; i++)
            {
                yield return (s, c + i, CrossingValues[i]);
            }
        }
    }

    /// <summary>The JSON payload (wire contract v1 telemetry) of one reading, its <c>ts</c> in Unix milliseconds.</summary>
    public string Payload(int station, int k, long tsUnixMs)
    {
        string ts = DateTimeOffset.FromUnixTimeMilliseconds(tsUnixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        string value = Value(station, k).ToString("0.000", CultureInfo.InvariantCulture);
        return "{\"ts\":\"" + ts + "\",\"seq\":" + (k + 1).ToString(CultureInfo.InvariantCulture) + ",\"values\":{\"water_level_m\":" + value + "}}";
    }
}
