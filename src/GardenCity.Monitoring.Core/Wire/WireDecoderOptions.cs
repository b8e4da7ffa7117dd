using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Core.Wire;

/// <summary>Limits the decoder applies to every message.</summary>
public sealed class WireDecoderOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Wire";

    /// <summary>Largest accepted payload in bytes.</summary>
    /// <value>The default value is 65536 (64 KiB), as in the wire contract.</value>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 64 * 1024;

    /// <summary>How far ahead of the receiver's clock a <c>ts</c> may be.</summary>
    /// <value>The default value is 5 minutes, as in the wire contract.</value>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan FutureTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The oldest <c>ts</c> accepted; older ones come from a station clock that was never set.</summary>
    /// <value>The default value is 2000-01-01T00:00:00Z.</value>
    public DateTimeOffset OldestTimestamp { get; set; } = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Deepest JSON nesting accepted.</summary>
    /// <value>The default value is 8, enough for every contract payload.</value>
    [Range(4, 64)]
    public int MaxDepth { get; set; } = 8;
}
