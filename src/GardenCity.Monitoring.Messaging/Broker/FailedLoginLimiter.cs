using System.Collections.Concurrent;

namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>
/// Token buckets of password checks, one per source address and one per user name: a check takes a token from both
/// (before the PBKDF2 is paid for), a successful login gives them back, a failed one keeps them. A bucket holds
/// <c>capacity</c> tokens and refills completely in <c>window</c>. Concurrent checks cannot overdraw a bucket.
/// Thread-safe.
/// </summary>
internal sealed class FailedLoginLimiter
{
    /// <summary>Buckets kept before full (idle) ones are dropped.</summary>
    internal const int PruneThreshold = 10_000;

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly int _perSource;
    private readonly int _perUser;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;

    public FailedLoginLimiter(int perSource, int perUser, TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSource, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perUser, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        _perSource = perSource;
        _perUser = perUser;
        _window = window;
        _time = time;
    }

    /// <summary>Number of buckets held (for tests of the pruning).</summary>
    internal int Count => _buckets.Count;

    /// <summary>
    /// Takes a token from the source's and the user's bucket; false (and nothing taken) when either is empty. A
    /// <see langword="null"/> source (not an IP connection) has no bucket of its own.
    /// </summary>
    public bool TryAcquire(string? source, string username)
    {
        ArgumentNullException.ThrowIfNull(username);
        long now = _time.GetTimestamp();
        if (_buckets.Count > PruneThreshold)
        {
            Prune(now);
        }

        Bucket user = _buckets.GetOrAdd("u:" + username, _ => new Bucket(_perUser));
        Bucket? from = source is null ? null : _buckets.GetOrAdd("s:" + source, _ => new Bucket(_perSource));
        if (from is not null && !from.TryTake(now, _window, _time))
        {
            return false;
        }

        if (!user.TryTake(now, _window, _time))
        {
            from?.Give();
            return false;
        }

        return true;
    }

    /// <summary>Gives back the tokens of a check that succeeded.</summary>
    public void Release(string? source, string username)
    {
        ArgumentNullException.ThrowIfNull(username);
        if (_buckets.TryGetValue("u:" + username, out Bucket? user))
        {
            user.Give();
        }

        if (source is not null && _buckets.TryGetValue("s:" + source, out Bucket? from))
        {
            from.Give();
        }
    }

    private void Prune(long now)
    {
        foreach ((string key, Bucket bucket) in _buckets)
        {
            if (bucket.IsFull(now, _window, _time))
            {
                _buckets.TryRemove(key, out _);
            }
        }
    }

    private sealed class Bucket(int capacity)
    {
        private readonly Lock _lock = new();
        private double _tokens = capacity;
        private long _updated;
        private bool _started;

        public bool TryTake(long now, TimeSpan window, TimeProvider time)
        {
            lock (_lock)
            {
                Refill(now, window, time);
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens -= 1;
                return true;
            }
        }

        public void Give()
        {
            lock (_lock)
            {
                _tokens = Math.Min(capacity, _tokens + 1);
            }
        }

        public bool IsFull(long now, TimeSpan window, TimeProvider time)
        {
            lock (_lock)
            {
                Refill(now, window, time);
                return _tokens >= capacity;
            }
        }

        private void Refill(long now, TimeSpan window, TimeProvider time)
        {
            if (_started)
            {
                double elapsed = time.GetElapsedTime(_updated, now).Ticks;
                _tokens = Math.Min(capacity, _tokens + (elapsed / window.Ticks * capacity));
            }

            _started = true;
            _updated = now;
        }
    }
}
