namespace GardenCity.Monitoring.DeviceSimulator.Model;

/// <summary>When in the day an animal is about.</summary>
public enum DielPattern
{
    /// <summary>Active at night.</summary>
    Nocturnal,
    /// <summary>Active at dawn and dusk.</summary>
    Crepuscular,
    /// <summary>Active by day.</summary>
    Diurnal,
    /// <summary>Active at any hour.</summary>
    Cathemeral,
}

/// <summary>A species of the Baihua Mountain camera-trap survey: detections per trap-day, diel pattern, group size.</summary>
public sealed record SpeciesRate(string ScientificName, string EnglishName, double PerTrapDay, DielPattern Pattern, int MaxGroup);

/// <summary>The species mix of Baihua Mountain camera traps (rates are plausible orders of magnitude, not survey results).</summary>
public static class Wildlife
{
    /// <summary>The species and their rates.</summary>
    public static readonly IReadOnlyList<SpeciesRate> Mix =
    [
        new("Capreolus pygargus", "Siberian roe deer", 1.2, DielPattern.Crepuscular, 3),
        new("Sus scrofa", "wild boar", 0.8, DielPattern.Nocturnal, 5),
        new("Mustela sibirica", "Siberian weasel", 0.3, DielPattern.Cathemeral, 1),
        new("Prionailurus bengalensis", "leopard cat", 0.4, DielPattern.Nocturnal, 1),
        new("Meles leucurus", "Asian badger", 0.3, DielPattern.Nocturnal, 2),
        new("Arctonyx collaris", "hog badger", 0.2, DielPattern.Nocturnal, 2),
        new("Lepus tolai", "Tolai hare", 0.3, DielPattern.Nocturnal, 1),
        new("Syrmaticus reevesii", "Reeves's pheasant", 0.15, DielPattern.Diurnal, 2),
        new("Paguma larvata", "masked palm civet", 0.1, DielPattern.Nocturnal, 1),
        new("Panthera pardus japonensis", "North China leopard", 0.004, DielPattern.Nocturnal, 1),
    ];

    /// <summary>Blank triggers (wind, sun on vegetation) per trap-day, at any hour.</summary>
    public const double BlankPerTrapDay = 1.0;

    /// <summary>People per trap-day: rangers and visitors, by day; more in the experimental zone.</summary>
    public static double HumansPerTrapDay(string? zone) => zone switch { "core" => 0.03, "buffer" => 0.1, _ => 0.4 };

    /// <summary>Relative activity at a local hour; averages 1 over the day.</summary>
    public static double Activity(DielPattern pattern, double localHour)
    {
        int h = (int)localHour % 24;
        return pattern switch
        {
            DielPattern.Nocturnal => h >= 20 || h < 5 ? 2.2 : h is 5 or 19 ? 1.0 : 0.15,
            DielPattern.Crepuscular => h is 5 or 6 or 18 or 19 ? 3.6 : h is 4 or 7 or 17 or 20 ? 1.4 : 0.45,
            DielPattern.Diurnal => h is >= 7 and < 18 ? 2.0 : 0.1,
            _ => 1.0,
        };
    }

    /// <summary>Mean of <see cref="Activity"/> over the 24 hours, to normalise.</summary>
    public static double MeanActivity(DielPattern pattern) => Enumerable.Range(0, 24).Average(h => Activity(pattern, h));
}
