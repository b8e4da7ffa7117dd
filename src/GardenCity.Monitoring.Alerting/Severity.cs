namespace GardenCity.Monitoring.Alerting;

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

/// <summary>Names and mappings of <see cref="Severity"/>.</summary>
public static class SeverityNames
{
    /// <summary>The lower-case name used in rule files, topics and JSON.</summary>
    public static string ToName(this Severity severity) => severity switch
    {
        Severity.Info => "info",
        Severity.Blue => "blue",
        Severity.Yellow => "yellow",
        Severity.Orange => "orange",
        Severity.Red => "red",
        _ => "none",
    };

    /// <summary>The Chinese colour name (蓝色 …).</summary>
    public static string ToChinese(this Severity severity) => severity switch
    {
        Severity.Info => "提示",
        Severity.Blue => "蓝色",
        Severity.Yellow => "黄色",
        Severity.Orange => "橙色",
        Severity.Red => "红色",
        _ => "无",
    };

    /// <summary>
    /// CAP 1.2 <c>severity</c>. The colour → CAP mapping is a design choice (docs/alerting.md): blue Minor, yellow
    /// Moderate, orange Severe, red Extreme; notices Minor.
    /// </summary>
    public static string ToCap(this Severity severity) => severity switch
    {
        Severity.Info or Severity.Blue => "Minor",
        Severity.Yellow => "Moderate",
        Severity.Orange => "Severe",
        Severity.Red => "Extreme",
        _ => "Unknown",
    };

    /// <summary>Parses a rule-file name; false for anything else (including <c>none</c>).</summary>
    public static bool TryParse(string? name, out Severity severity)
    {
        severity = name switch
        {
            "info" => Severity.Info,
            "blue" => Severity.Blue,
            "yellow" => Severity.Yellow,
            "orange" => Severity.Orange,
            "red" => Severity.Red,
            _ => Severity.None,
        };
        return severity != Severity.None;
    }
}

/// <summary>Who an alert is for; routes MQTT topics and webhooks.</summary>
public enum Audience
{
    /// <summary>Emergency staff (flood, rainstorm, fire); these alerts also go out as CAP 1.2.</summary>
    Emergency,

    /// <summary>Ecologists and reserve staff (species).</summary>
    Ecology,

    /// <summary>Maintenance (station health).</summary>
    Maintenance,
}
