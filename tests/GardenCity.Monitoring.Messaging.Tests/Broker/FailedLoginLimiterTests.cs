using GardenCity.Monitoring.Messaging.Broker;
using Microsoft.Extensions.Time.Testing;

namespace GardenCity.Monitoring.Messaging.Tests.Broker;

public sealed class FailedLoginLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryAcquire_EmptyBucket_RefillsGraduallyOverTheWindow()
    {
        var limiter = new FailedLoginLimiter(perSource: 4, perUser: 100, TimeSpan.FromMinutes(1), _time);
        Assert.All(Enumerable.Range(0, 4), i => Assert.True(limiter.TryAcquire("10.0.0.1", "u" + i)));
        Assert.False(limiter.TryAcquire("10.0.0.1", "u9"));

        _time.Advance(TimeSpan.FromSeconds(15)); // a quarter of the window: one token back

        Assert.True(limiter.TryAcquire("10.0.0.1", "u9"));
        Assert.False(limiter.TryAcquire("10.0.0.1", "u9"));
    }

    [Fact]
    public void TryAcquire_UserBucketEmpty_TakesNothingFromTheSource()
    {
        var limiter = new FailedLoginLimiter(perSource: 2, perUser: 1, TimeSpan.FromMinutes(1), _time);
        Assert.True(limiter.TryAcquire("10.0.0.1", "gauge"));

        Assert.False(limiter.TryAcquire("10.0.0.1", "gauge"));
        Assert.True(limiter.TryAcquire("10.0.0.1", "other")); // the refused check did not spend the source's second token
        Assert.False(limiter.TryAcquire("10.0.0.1", "third"));
    }

    [Fact]
    public void TryAcquire_ConcurrentChecks_NeverOverdrawABucket()
    {
        var limiter = new FailedLoginLimiter(perSource: 10, perUser: 1000, TimeSpan.FromMinutes(1), _time);
        int granted = 0;

        Parallel.For(0, 1000, i =>
        {
            if (limiter.TryAcquire("10.0.0.1", "u" + (i % 50)))
            {
                Interlocked.Increment(ref granted);
            }
        });

        Assert.Equal(10, granted);
    }

    [Fact]
    public void TryAcquire_ManyUserNames_IdleBucketsArePruned()
    {
        var limiter = new FailedLoginLimiter(perSource: 1_000_000, perUser: 1, TimeSpan.FromSeconds(1), _time);
        for (int i = 0; i <= FailedLoginLimiter.PruneThreshold; i++)
        {
            limiter.TryAcquire(null, "random-" + i);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        limiter.TryAcquire(null, "one-more");

        Assert.True(limiter.Count < 10, $"{limiter.Count} buckets kept");
    }
}
