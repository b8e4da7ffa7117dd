using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Storage.Spool;

/// <summary>The local spool that holds readings while InfluxDB is unreachable.</summary>
public sealed class SpoolOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Spool";

    /// <summary>Folder of the segment files.</summary>
    /// <value>The default value is <c>data/spool</c>, relative to the working folder.</value>
    [Required]
    public string Directory { get; set; } = "data/spool";

    /// <summary>Most bytes the spool may hold; when full the worker stops acknowledging (back-pressure), it never drops.</summary>
    /// <value>The default value is 1 GiB.</value>
    [Range(16 * 1024, long.MaxValue)]
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>Size at which a segment file is closed and a new one started.</summary>
    /// <value>The default value is 8 MiB.</value>
    [Range(4 * 1024, 1L << 30)]
    public long SegmentBytes { get; set; } = 8L << 20;
}
