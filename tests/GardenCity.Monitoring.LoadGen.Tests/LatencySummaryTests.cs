using GardenCity.Monitoring.LoadGen;

namespace GardenCity.Monitoring.LoadGen.Tests;

/// <summary>The nearest-rank percentiles of the load report, checked against their definition, not against themselves.</summary>
public sealed class LatencySummaryTests
{
    [Fact]
    public void Of_OneToHundredShuffled_GivesTheRankedSamples()
    {
        var samples = Enumerable.Range(1, 100).Select(i => (double)i).ToList();
        new Random(7).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(samples));

        LatencySummary summary = LatencySummary.Of(samples);

        // With the samples 1..100, exactly p of them are ≤ p: the nearest-rank p-th percentile is p itself.
        Assert.Equal(new LatencySummary(100, 50, 90, 99, 100), summary);
    }

    [Fact]
    public void Of_TenSamples_P99IsTheLargestAndP50TheFifth()
    {
        LatencySummary summary = LatencySummary.Of([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);

        // ⌈0.5 · 10⌉ = 5th smallest; ⌈0.9 · 10⌉ = 9th; ⌈0.99 · 10⌉ = 10th.
        Assert.Equal(new LatencySummary(10, 5, 9, 10, 10), summary);
    }

    [Fact]
    public void Of_NoSamples_HasNoFigures()
    {
        Assert.Equal(new LatencySummary(0, null, null, null, null), LatencySummary.Of([]));
    }

    [Theory]
    [InlineData(1, 50)]
    [InlineData(2, 99)]
    [InlineData(3, 90)]
    [InlineData(4, 1)]
    public void Percentile_RandomSamples_MeetsTheNearestRankDefinition(int seed, double p)
    {
        var random = new Random(seed);
        var sorted = Enumerable.Range(0, 1 + random.Next(2000)).Select(_ => Math.Round(random.NextDouble() * 500, 1)).Order().ToList();

        double value = LatencySummary.Percentile(sorted, p);

        // Definition: at least p % of the samples are ≤ the value, and fewer than p % are < it; and it is a sample.
        Assert.Contains(value, sorted);
        Assert.True(sorted.Count(x => x <= value) >= p / 100 * sorted.Count, $"p{p} = {value} of {sorted.Count}");
        Assert.True(sorted.Count(x => x < value) < p / 100 * sorted.Count, $"p{p} = {value} of {sorted.Count}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100.5)]
    public void Percentile_OutOfRange_Throws(double p)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencySummary.Percentile([1.0], p));
    }
}
