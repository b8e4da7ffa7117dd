using System.Text.Json.Serialization;

namespace GardenCity.Monitoring.LoadGen;

/// <summary>
/// Percentiles of a set of latencies in milliseconds, by the nearest-rank method: the p-th percentile is the smallest
/// sample such that at least p % of the samples are at or below it (sorted[⌈p/100 · n⌉ − 1]); no interpolation, so
/// every figure is a latency that was really observed. Empty when there were no samples.
/// </summary>
internal sealed record LatencySummary(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("p50_ms")] double? P50,
    [property: JsonPropertyName("p90_ms")] double? P90,
    [property: JsonPropertyName("p99_ms")] double? P99,
    [property: JsonPropertyName("max_ms")] double? Max)
{
    /// <summary>The summary of <paramref name="samples"/>, which stay in their order (the alert matcher's arrivals follow it).</summary>
    public static LatencySummary Of(IReadOnlyCollection<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            return new LatencySummary(0, null, null, null, null);
        }

        double[] sorted = [.. samples];
        Array.Sort(sorted);
        return new LatencySummary(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99), sorted[^1]);
    }

    /// <summary>The nearest-rank percentile <paramref name="p"/> (0 &lt; p ≤ 100) of sorted samples.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentOutOfRangeException.ThrowIfZero(sorted.Count);
        if (p is <= 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "a percentile is in (0, 100]");
        }

        int rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
