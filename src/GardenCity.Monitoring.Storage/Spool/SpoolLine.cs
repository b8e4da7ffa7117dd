using System.Text;

namespace GardenCity.Monitoring.Storage.Spool;

/// <summary>
/// One point of a spooled batch: its line protocol and the <c>station</c> and <c>kind</c> tags that
/// <see cref="Influx.PointMapper"/> wrote into it (unescaped; <c>unknown</c> when a line has no such tag).
/// </summary>
public sealed record SpoolLine(string Station, string Kind, string LineProtocol)
{
    /// <summary>Tag value used when a line carries no <c>station</c> or <c>kind</c> tag.</summary>
    public const string Unknown = "unknown";

    /// <summary>Splits line protocol into its non-empty lines and reads each line's station and kind.</summary>
    public static IReadOnlyList<SpoolLine> Split(string lineProtocol)
    {
        ArgumentNullException.ThrowIfNull(lineProtocol);
        var lines = new List<SpoolLine>();
        foreach (string line in lineProtocol.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string? station = null, kind = null;
            foreach ((string key, string value) in Tags(line))
            {
                if (key == "station")
                {
                    station ??= value;
                }
                else if (key == "kind")
                {
                    kind ??= value;
                }
            }

            lines.Add(new SpoolLine(station ?? Unknown, kind ?? Unknown, line));
        }

        return lines;
    }

    /// <summary>
    /// The tag set of one line-protocol line: the measurement, then <c>,key=value</c> pairs up to the first unescaped
    /// space. A backslash escapes the next character (<c>\,</c> <c>\=</c> <c>\ </c>), as in InfluxDB's line protocol.
    /// </summary>
    internal static IEnumerable<(string Key, string Value)> Tags(string line)
    {
        int i = 0;

        // Skip the measurement (escapes: comma, space).
        while (i < line.Length && line[i] is not (',' or ' '))
        {
            i += line[i] == '\\' ? 2 : 1;
        }

        var key = new StringBuilder();
        var value = new StringBuilder();
        while (i < line.Length && line[i] == ',')
        {
            i++;
            key.Clear();
            value.Clear();
            i = ReadUntil(line, i, key, '=');
            if (i >= line.Length || line[i] != '=')
            {
                yield break;
            }

            i = ReadUntil(line, i + 1, value, ',', ' ');
            yield return (key.ToString(), value.ToString());
        }
    }

    private static int ReadUntil(string line, int i, StringBuilder into, char stop, char stop2 = '\0')
    {
        while (i < line.Length && line[i] != stop && line[i] != stop2 && line[i] != ' ')
        {
            if (line[i] == '\\' && i + 1 < line.Length)
            {
                i++;
            }

            into.Append(line[i]);
            i++;
        }

        return i;
    }
}
