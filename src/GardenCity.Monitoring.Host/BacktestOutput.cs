using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Time;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// <c>rules backtest --format json|csv</c>: the alert changes for a script or a notebook. Times are ISO 8601 in Beijing
/// time (<c>+08:00</c>); the severity of a resolution is the one it resolved from; messages in both languages.
/// </summary>
internal static class BacktestOutput
{
    /// <summary>The CSV columns, in order.</summary>
    internal static readonly string[] Columns = ["time", "change", "severity", "rule", "station", "audience", "value", "threshold", "message_en", "message_zh"];

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All), // Chinese as is
    };

    /// <summary>The severity shown for a change: a resolution shows what it resolved from.</summary>
    public static Severity Shown(AlertChange change) => change.Alert.Severity == Severity.None ? change.Previous : change.Alert.Severity;

    /// <summary>One JSON object: the period, the changes in order, the counts.</summary>
    public static void WriteJson(TextWriter output, IReadOnlyList<AlertChange> changes, DateTimeOffset from, DateTimeOffset to, int activeAtEnd)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(changes);
        var document = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["from"] = Time(from),
            ["to"] = Time(to),
            ["raised"] = changes.Count(c => c.Transition == Transition.Raised),
            ["resolved"] = changes.Count(c => c.Transition == Transition.Resolved),
            ["active_at_end"] = activeAtEnd,
            ["changes"] = changes.Select(c => Row(c).Zip(Columns).ToDictionary(p => p.Second, p => p.First, StringComparer.Ordinal)).ToList(),
        };
        output.WriteLine(JsonSerializer.Serialize(document, Json));
    }

    /// <summary>RFC 4180 CSV with a header row, one row per change.</summary>
    public static void WriteCsv(TextWriter output, IReadOnlyList<AlertChange> changes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(changes);
        output.Write(string.Join(',', Columns) + "\r\n");
        foreach (AlertChange c in changes)
        {
            output.Write(string.Join(',', Row(c).Select(v => Csv(v switch
            {
                null => string.Empty,
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty,
            }))) + "\r\n");
        }
    }

    private static object?[] Row(AlertChange c) =>
    [
        Time(c.Alert.UpdatedAt),
        c.Transition.ToString().ToLowerInvariant(),
        Shown(c).ToName(),
        c.Alert.RuleId,
        c.Alert.StationId,
        c.Alert.Audience.ToString().ToLowerInvariant(),
        c.Alert.Value,
        c.Alert.Threshold,
        c.Alert.MessageEn,
        c.Alert.MessageZh,
    ];

    private static string Time(DateTimeOffset t) => t.ToBeijingTime().ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
