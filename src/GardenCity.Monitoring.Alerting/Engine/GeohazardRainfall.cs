namespace GardenCity.Monitoring.Alerting.Engine;

/// <summary>
/// The rainfall quantities of a geological-hazard threshold at one gauge (docs/geohazard.md; domain-reference §6.1):
/// the current rainfall event, its cumulative rain R, duration D, mean intensity R / D and maximum rolling 60-minute
/// intensity, the antecedent effective precipitation P_a = Σ_{i=1..n} K^i·P_i and the effective rainfall P_a + R.
/// </summary>
/// <param name="EventStart">Start of the current event (the end of the last sample before its first wet one); null when no event is in progress.</param>
/// <param name="EventEnd">Measurement time of the event's last wet sample; null when no event is in progress.</param>
/// <param name="EventRainMm">R, mm: the event's rain up to the evaluation time (0 without an event).</param>
/// <param name="DurationH">D, hours, from <paramref name="EventStart"/> to <paramref name="EventEnd"/> (0 without an event).</param>
/// <param name="MeanIntensityMmH">R / D, mm/h (0 without an event).</param>
/// <param name="MaxHourlyMmH">The largest rain of a rolling 60 minutes ending at a wet sample of the event, mm/h.</param>
/// <param name="AntecedentMm">P_a, mm, counted back from the event start (or from the evaluation time without an event).</param>
public sealed record GeohazardRainfall(DateTimeOffset? EventStart, DateTimeOffset? EventEnd, double EventRainMm, double DurationH, double MeanIntensityMmH, double MaxHourlyMmH, double AntecedentMm)
{
    /// <summary>Longest first-sample interval assumed (a gauge silent before the rain does not stretch the event).</summary>
    public static readonly TimeSpan MaxFirstInterval = TimeSpan.FromHours(1);

    /// <summary>First-sample interval assumed when the gauge sent nothing before the event's first wet sample (the contract's usual interval).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(10);

    /// <summary>Whether a rainfall event is in progress.</summary>
    public bool InEvent => EventStart is not null;

    /// <summary>R_e = P_a + R, mm.</summary>
    public double EffectiveRainMm => AntecedentMm + EventRainMm;

    /// <summary>No rain, no event.</summary>
    public static GeohazardRainfall None { get; } = new(null, null, 0, 0, 0, 0, 0);

    /// <summary>
    /// Computes the quantities at <paramref name="at"/> from a gauge's rain samples (<c>rain_mm</c>, each the rain since
    /// the gauge's previous sample), in time order; samples after <paramref name="at"/> are ignored.
    /// </summary>
    /// <param name="samples">(measurement time, mm) in ascending time order; the caller drops values that do not count.</param>
    /// <param name="at">The evaluation time.</param>
    /// <param name="dryGap">More than this between two wet samples (or since the last one) ends an event.</param>
    /// <param name="k">Decay factor K of P_a.</param>
    /// <param name="days">Number of days n of P_a (each day is a 24 h period before the event start).</param>
    public static GeohazardRainfall Compute(IReadOnlyList<(DateTimeOffset Time, double Mm)> samples, DateTimeOffset at, TimeSpan dryGap, double k, int days)
    {
        ArgumentNullException.ThrowIfNull(samples);
        int end = samples.Count - 1;
        while (end >= 0 && samples[end].Time > at)
        {
            end--;
        }

        int last = end;
        while (last >= 0 && samples[last].Mm <= 0)
        {
            last--;
        }

        if (last < 0 || at - samples[last].Time > dryGap)
        {
            return None with { AntecedentMm = Antecedent(samples, end, at, k, days) };
        }

        // Walk back over wet samples no more than the dry gap apart.
        int first = last;
        for (int i = last - 1; i >= 0; i--)
        {
            if (samples[i].Mm <= 0)
            {
                continue;
            }

            if (samples[first].Time - samples[i].Time > dryGap)
            {
                break;
            }

            first = i;
        }

        TimeSpan interval = first > 0 ? samples[first].Time - samples[first - 1].Time : DefaultInterval;
        if (interval > MaxFirstInterval || interval <= TimeSpan.Zero)
        {
            interval = interval <= TimeSpan.Zero ? DefaultInterval : MaxFirstInterval;
        }

        DateTimeOffset start = samples[first].Time - interval;
        DateTimeOffset eventEnd = samples[last].Time;
        double rain = 0, maxHourly = 0;
        for (int i = first; i <= last; i++)
        {
            rain += samples[i].Mm;
            if (samples[i].Mm > 0)
            {
                double hour = 0;
                for (int j = i; j >= 0 && samples[j].Time > samples[i].Time - TimeSpan.FromHours(1); j--)
                {
                    hour += samples[j].Mm;
                }

                maxHourly = Math.Max(maxHourly, hour);
            }
        }

        double durationH = (eventEnd - start).TotalHours;
        return new GeohazardRainfall(start, eventEnd, rain, durationH, rain / durationH, maxHourly, Antecedent(samples, first - 1, start, k, days));
    }

    /// <summary>P_a = Σ_{i=1..n} K^i·P_i, P_i the rain of (base − i·24 h, base − (i − 1)·24 h], from samples[0..upTo].</summary>
    private static double Antecedent(IReadOnlyList<(DateTimeOffset Time, double Mm)> samples, int upTo, DateTimeOffset basis, double k, int days)
    {
        double pa = 0;
        for (int i = upTo; i >= 0; i--)
        {
            (DateTimeOffset time, double mm) = samples[i];
            if (time > basis || mm <= 0)
            {
                continue;
            }

            int day = (int)Math.Floor((basis - time).TotalHours / 24) + 1;
            if (day > days)
            {
                break;
            }

            pa += Math.Pow(k, day) * mm;
        }

        return pa;
    }
}
