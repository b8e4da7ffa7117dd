using System.Text;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>Quoting for InfluxQL: every identifier and string value that reaches a query goes through here.</summary>
public static class InfluxQl
{
    /// <summary>A double-quoted identifier (measurement, field, tag key, database).</summary>
    public static string Identifier(string name) => Quote(name, '"');

    /// <summary>A single-quoted string literal (tag values in WHERE clauses).</summary>
    public static string StringLiteral(string value) => Quote(value, '\'');

    /// <summary>An RFC 3339 time literal in UTC with nanoseconds.</summary>
    public static string TimeLiteral(DateTimeOffset time) =>
        "'" + time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture) + "'";

    /// <summary>The condition <c>time &gt;= from AND time &lt; to</c>: a half-open range, as every query of a period uses.</summary>
    public static string TimeRange(DateTimeOffset from, DateTimeOffset to) => $"time >= {TimeLiteral(from)} AND time < {TimeLiteral(to)}";

    private static string Quote(string text, char quote)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 2).Append(quote);
        foreach (char c in text)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\0': break;
                default:
                    if (c == quote)
                    {
                        sb.Append('\\');
                    }

                    sb.Append(c);
                    break;
            }
        }

        return sb.Append(quote).ToString();
    }
}
