using System.Globalization;
using System.Text.RegularExpressions;

namespace GardenCity.Monitoring.Core.Time;

/// <summary>
/// The duration forms people write in rule files, settings and query parameters: <c>500ms</c>, <c>90s</c>, <c>30m</c>, <c>6h</c>, <c>1d</c>
/// (a decimal number allowed, e.g. <c>1.5h</c>) or <c>hh:mm:ss</c> / <c>d.hh:mm:ss</c>. Positive and at most 400 days.
/// </summary>
public static partial class Durations
{
    /// <summary>The longest duration accepted.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(400);

    /// <summary>Parses one of the forms above; false for anything else.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        Match m = Pattern().Match(text);
        if (m.Success && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double n))
        {
            duration = m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
            return duration > TimeSpan.Zero && duration <= Max;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero && duration <= Max;
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|[smhd])$")]
    private static partial Regex Pattern();
}
