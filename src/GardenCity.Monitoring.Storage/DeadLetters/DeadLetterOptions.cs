using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Storage.DeadLetters;

/// <summary>Where the dead-letter store keeps its files.</summary>
public sealed class DeadLetterOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:DeadLetter";

    /// <summary>Folder of the JSON Lines files, one per UTC day (<c>dead-letter-YYYYMMDD.jsonl</c>).</summary>
    /// <value>The default value is <c>data/dead-letter</c>, relative to the working folder.</value>
    [Required]
    public string Directory { get; set; } = "data/dead-letter";
}
