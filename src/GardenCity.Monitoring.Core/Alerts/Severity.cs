namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// How serious an alert is, in the order of China's four-colour warning signals (蓝 blue &lt; 黄 yellow &lt; 橙 orange &lt;
/// 红 red), below which <see cref="Info"/> carries notices that need no warning colour (a sighting, a sequence gap).
/// </summary>
public enum Severity
{
    /// <summary>No alert.</summary>
    None = 0,

    /// <summary>A notice (提示).</summary>
    Info = 1,

    /// <summary>蓝色, 一般 (IV).</summary>
    Blue = 2,

    /// <summary>黄色, 较重 (III).</summary>
    Yellow = 3,

    /// <summary>橙色, 严重 (II).</summary>
    Orange = 4,

    /// <summary>红色, 特别严重 (I).</summary>
    Red = 5,
}
