namespace GardenCity.Monitoring.Core.Alerts;

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
