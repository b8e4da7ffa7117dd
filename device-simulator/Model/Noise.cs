namespace GardenCity.Monitoring.DeviceSimulator.Model;

/// <summary>
/// Stateless, seeded pseudo-random numbers: the same (seed, station, index, channel) always gives the same value,
/// on every machine and in any iteration order. This is what makes a scenario deterministic for a seed.
/// </summary>
public static class Noise
{
    /// <summary>A uniform number in [0, 1).</summary>
    public static double Uniform(ulong seed, string key, long index, int channel)
    {
        ulong h = Mix(seed ^ Fnv(key) ^ ((ulong)index * 0x9E3779B97F4A7C15UL) ^ ((ulong)channel * 0xBF58476D1CE4E5B9UL));
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>A standard normal number (Box–Muller on two uniforms).</summary>
    public static double Normal(ulong seed, string key, long index, int channel)
    {
        double u1 = Math.Max(Uniform(seed, key, index, channel * 2 + 1), 1e-12);
        double u2 = Uniform(seed, key, index, channel * 2 + 2);
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Smooth noise in about [-1, 1]: cosine interpolation between knots every <paramref name="period"/> units.</summary>
    public static double Smooth(ulong seed, string key, double position, double period, int channel)
    {
        double x = position / period;
        long i = (long)Math.Floor(x);
        double f = x - i;
        double a = (Uniform(seed, key, i, channel) * 2) - 1;
        double b = (Uniform(seed, key, i + 1, channel) * 2) - 1;
        double w = (1 - Math.Cos(f * Math.PI)) / 2;
        return a + ((b - a) * w);
    }

    /// <summary>A Poisson-distributed count with mean <paramref name="mean"/> (Knuth; fine for the small means used here).</summary>
    public static int Poisson(double mean, ulong seed, string key, long index, int channel)
    {
        if (mean <= 0)
        {
            return 0;
        }

        double limit = Math.Exp(-mean);
        double p = 1;
        int k = 0;
        do
        {
            k++;
            p *= Uniform(seed, key, index, channel * 64 + k);
        }
        while (p > limit && k < 60);
        return k - 1;
    }

    /// <summary>64-bit FNV-1a of a string: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    public static ulong Fnv(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
