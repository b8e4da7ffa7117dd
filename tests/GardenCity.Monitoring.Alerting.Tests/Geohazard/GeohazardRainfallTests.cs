using GardenCity.Monitoring.Alerting.Engine;

namespace GardenCity.Monitoring.Alerting.Tests.Geohazard;

/// <summary>The rainfall quantities of docs/geohazard.md, checked against figures worked out by hand.</summary>
public sealed class GeohazardRainfallTests
{
    private static readonly DateTimeOffset T = new(2023, 7, 30, 0, 0, 0, TimeSpan.Zero);

    /// <summary>10-min samples from 00:10 to 03:30: 2 and 3 mm at 00:10 and 00:20, then dry, then 5 and 4 mm at 03:10 and 03:20.</summary>
    private static List<(DateTimeOffset, double)> TwoBursts()
    {
        var samples = new List<(DateTimeOffset, double)>();
        for (int i = 1; i <= 21; i++)
        {
            DateTimeOffset at = T.AddMinutes(10 * i);
            samples.Add((at, i switch { 1 => 2, 2 => 3, 19 => 5, 20 => 4, _ => 0 }));
        }

        return samples;
    }

    [Fact]
    public void Compute_DryGapShorterThanTheBreak_SplitsOffTheSecondBurstAsItsOwnEvent()
    {
        // Dry gap 2 h: the break from 00:20 to 03:10 (2 h 50 min between wet samples) ends the first event.
        GeohazardRainfall rain = GeohazardRainfall.Compute(TwoBursts(), T.AddMinutes(210), TimeSpan.FromHours(2), k: 0.5, days: 1);

        Assert.Equal(T.AddHours(3), rain.EventStart);           // 03:10 minus its 10-min interval
        Assert.Equal(T.AddMinutes(200), rain.EventEnd);         // 03:20, the last wet sample
        Assert.Equal(9, rain.EventRainMm, 9);                   // 5 + 4
        Assert.Equal(1.0 / 3, rain.DurationH, 9);               // 03:00 .. 03:20
        Assert.Equal(27, rain.MeanIntensityMmH, 9);             // 9 mm / (1/3 h)
        Assert.Equal(9, rain.MaxHourlyMmH, 9);                  // (02:20, 03:20]
        Assert.Equal(2.5, rain.AntecedentMm, 9);                // day 1 before 03:00 holds 2 + 3 mm: 0.5 × 5
        Assert.Equal(11.5, rain.EffectiveRainMm, 9);
    }

    [Fact]
    public void Compute_DryGapLongerThanTheBreak_OneEventFromTheFirstBurst()
    {
        GeohazardRainfall rain = GeohazardRainfall.Compute(TwoBursts(), T.AddMinutes(210), TimeSpan.FromHours(6), k: 0.5, days: 1);

        Assert.Equal(T, rain.EventStart);                       // no sample before 00:10: the usual 10-min interval
        Assert.Equal(14, rain.EventRainMm, 9);                  // 2 + 3 + 5 + 4
        Assert.Equal(10.0 / 3, rain.DurationH, 9);              // 00:00 .. 03:20
        Assert.Equal(4.2, rain.MeanIntensityMmH, 9);
        Assert.Equal(9, rain.MaxHourlyMmH, 9);
        Assert.Equal(0, rain.AntecedentMm, 9);
    }

    [Fact]
    public void Compute_MoreThanTheDryGapSinceTheLastRain_NoEventButTheRainIsAntecedent()
    {
        // 09:30 is 6 h 10 min after the last wet sample (03:20): the event is over.
        GeohazardRainfall rain = GeohazardRainfall.Compute(TwoBursts(), T.AddMinutes(570), TimeSpan.FromHours(6), k: 0.5, days: 1);

        Assert.False(rain.InEvent);
        Assert.Equal(0, rain.EventRainMm);
        Assert.Equal(0, rain.DurationH);
        Assert.Equal(7, rain.AntecedentMm, 9);                  // 0.5 × 14, counted back from 09:30
    }

    [Fact]
    public void Compute_AntecedentIndex_WeighsEachDayByKToTheDayNumberAndStopsAfterNDays()
    {
        DateTimeOffset basis = T.AddDays(5);
        (DateTimeOffset, double)[] samples =
        [
            (basis.AddHours(-80), 40),  // day 4 (72-96 h before)
            (basis.AddHours(-30), 20),  // day 2
            (basis.AddHours(-24), 1),   // exactly 24 h before: day 2, not day 1
            (basis.AddHours(-12), 10),  // day 1
            (basis, 0),
        ];

        GeohazardRainfall three = GeohazardRainfall.Compute(samples, basis, TimeSpan.FromHours(6), k: 0.8, days: 3);
        GeohazardRainfall four = GeohazardRainfall.Compute(samples, basis, TimeSpan.FromHours(6), k: 0.8, days: 4);

        Assert.False(three.InEvent); // 12 h since the last rain
        Assert.Equal((0.8 * 10) + (0.64 * 21), three.AntecedentMm, 9);                    // 21.44
        Assert.Equal((0.8 * 10) + (0.64 * 21) + (0.4096 * 40), four.AntecedentMm, 9);     // 37.824
    }

    [Fact]
    public void Compute_NoSamples_NothingAtAll()
    {
        GeohazardRainfall rain = GeohazardRainfall.Compute([], T, TimeSpan.FromHours(6), 0.8, 10);

        Assert.Equal(GeohazardRainfall.None, rain);
    }
}
