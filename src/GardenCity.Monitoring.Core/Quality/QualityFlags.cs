using System.Text;

namespace GardenCity.Monitoring.Core.Quality;

/// <summary>Names, flags and the stored text of <see cref="QualityChecks"/>.</summary>
public static class QualityFlags
{
    private static readonly (QualityChecks Check, string Name)[] Names =
    [
        (QualityChecks.SoftLimit, "soft-limit"),
        (QualityChecks.RateOfChange, "rate-of-change"),
        (QualityChecks.Spike, "spike"),
        (QualityChecks.Stuck, "stuck"),
        (QualityChecks.ClockDrift, "clock-drift"),
        (QualityChecks.SequenceGap, "seq-gap"),
    ];

    /// <summary>Every check's wire name, in a fixed order.</summary>
    public static IReadOnlyList<string> CheckNames { get; } = Names.Select(n => n.Name).ToArray();

    /// <summary>The flag a set of checks gives: a spike is bad; soft limit, rate, stuck and clock drift are doubtful.</summary>
    public static QualityFlag Of(QualityChecks checks) =>
        (checks & QualityChecks.Spike) != 0 ? QualityFlag.Bad
        : (checks & (QualityChecks.SoftLimit | QualityChecks.RateOfChange | QualityChecks.Stuck | QualityChecks.ClockDrift)) != 0 ? QualityFlag.Doubtful
        : QualityFlag.Good;

    /// <summary>The flag's wire name: <c>good</c>, <c>doubtful</c> or <c>bad</c>.</summary>
    public static string ToWireName(this QualityFlag flag) => flag switch
    {
        QualityFlag.Good => "good",
        QualityFlag.Doubtful => "doubtful",
        QualityFlag.Bad => "bad",
        _ => throw new ArgumentOutOfRangeException(nameof(flag), flag, null),
    };

    /// <summary>Parses a flag's wire name.</summary>
    public static bool TryParseFlag(string? text, out QualityFlag flag)
    {
        switch (text)
        {
            case "good": flag = QualityFlag.Good; return true;
            case "doubtful": flag = QualityFlag.Doubtful; return true;
            case "bad": flag = QualityFlag.Bad; return true;
            default: flag = QualityFlag.Good; return false;
        }
    }

    /// <summary>Parses one check's wire name (e.g. <c>stuck</c>).</summary>
    public static bool TryParseCheck(string? text, out QualityChecks check)
    {
        foreach ((QualityChecks c, string name) in Names)
        {
            if (string.Equals(name, text, StringComparison.Ordinal))
            {
                check = c;
                return true;
            }
        }

        check = QualityChecks.None;
        return false;
    }

    /// <summary>The wire names of the checks set, comma-separated in a fixed order (empty for none).</summary>
    public static string ToWireNames(this QualityChecks checks) =>
        string.Join(',', Names.Where(n => (checks & n.Check) != 0).Select(n => n.Name));

    /// <summary>
    /// The stored text of a reading's checks: <c>check:field</c> entries, comma-separated, fields in ordinal order
    /// (e.g. <c>spike:water_level_m,stuck:water_level_m</c>); empty when no check found anything.
    /// </summary>
    public static string Format(IReadOnlyDictionary<string, QualityChecks> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var text = new StringBuilder();
        foreach ((string field, QualityChecks checks) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            foreach ((QualityChecks check, string name) in Names)
            {
                if ((checks & check) != 0)
                {
                    text.Append(text.Length > 0 ? "," : string.Empty).Append(name).Append(':').Append(field);
                }
            }
        }

        return text.ToString();
    }

    /// <summary>Reads the stored text back into checks per field; unknown entries are skipped (a newer writer).</summary>
    public static Dictionary<string, QualityChecks> Parse(string? text)
    {
        var fields = new Dictionary<string, QualityChecks>(StringComparer.Ordinal);
        foreach (string entry in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && colon < entry.Length - 1 && TryParseCheck(entry[..colon], out QualityChecks check))
            {
                string field = entry[(colon + 1)..];
                fields[field] = fields.GetValueOrDefault(field) | check;
            }
        }

        return fields;
    }
}
