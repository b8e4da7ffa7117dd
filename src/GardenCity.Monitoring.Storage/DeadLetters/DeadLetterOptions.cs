using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Storage.DeadLetters;

/// <summary>Where the dead-letter store keeps its files, and how much it may write.</summary>
public sealed class DeadLetterOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:DeadLetter";

    /// <summary>
    /// Folder of the JSON Lines files, one per UTC day (<c>dead-letter-YYYYMMDD.jsonl</c>, and
    /// <c>dead-letter-summary-YYYYMMDD.jsonl</c> for what was counted instead of copied). In production put it on a
    /// volume of its own, not the spool's (<c>GardenCity:Spool:Directory</c>): a full dead-letter volume must not stop
    /// the spool.
    /// </summary>
    /// <value>The default value is <c>data/dead-letter</c>, relative to the working folder (a sibling of <c>data/spool</c>).</value>
    [Required]
    public string Directory { get; set; } = "data/dead-letter";

    /// <summary>
    /// Most bytes of dead-letter copies one station may write per UTC hour. Past it, the station's further dead letters
    /// of that hour are counted (reason, count, bytes) in one summary line instead of copied.
    /// Rejections that name no registered station (<c>unknown-station</c>, <c>invalid-topic</c>) share one allowance.
    /// </summary>
    /// <value>The default value is 4 MiB.</value>
    [Range(4 * 1024, long.MaxValue)]
    public long MaxBytesPerStationPerHour { get; set; } = 4L << 20;

    /// <summary>
    /// Most bytes the folder may hold. Copies stop at 15/16 of it (the rest is kept for summary lines); at the bound
    /// itself summaries stop too and dead letters are only counted in the log and the metrics.
    /// </summary>
    /// <value>The default value is 512 MiB.</value>
    [Range(64 * 1024, long.MaxValue)]
    public long MaxTotalBytes { get; set; } = 512L << 20;
}
