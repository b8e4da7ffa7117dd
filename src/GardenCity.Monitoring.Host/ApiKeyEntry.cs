using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// What <c>gardencity api new-key</c> prints: the key once, then its configuration entry in the three forms the host
/// reads, each ready to paste: a JSON snippet for a <c>--config</c> file, environment variables (docker-compose,
/// systemd) and <c>--set</c> arguments. The entry holds the key's hash, never the key.
/// </summary>
internal static class ApiKeyEntry
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    public static void Write(TextWriter output, int index, string name, string role, string key, string hash)
    {
        ArgumentNullException.ThrowIfNull(output);
        string prefix = string.Create(CultureInfo.InvariantCulture, $"GardenCity:Api:Keys:{index}:");
        (string Field, string Value)[] fields = [("Name", name), ("Role", role), ("KeyHash", hash)];

        output.WriteLine($"key (shown once, give it to {name}; send it as the X-Api-Key header): {key}");
        output.WriteLine();
        output.WriteLine(index == 0
            ? "JSON, for a --config file (merge into an existing \"GardenCity\" section; a further key is another element of \"Keys\"):"
            : $"JSON, for a --config file (add the object as element {index} of GardenCity:Api:Keys):");
        var entry = fields.ToDictionary(f => f.Field, f => f.Value, StringComparer.Ordinal);
        object snippet = new Dictionary<string, object> { ["GardenCity"] = new Dictionary<string, object> { ["Api"] = new Dictionary<string, object> { ["Keys"] = new[] { entry } } } };
        output.WriteLine(index == 0 ? JsonSerializer.Serialize(snippet, Json) : JsonSerializer.Serialize(entry, Json));
        output.WriteLine();
        output.WriteLine("Environment variables:");
        foreach ((string field, string value) in fields)
        {
            output.WriteLine($"GARDENCITY_{(prefix + field).Replace(":", "__", StringComparison.Ordinal)}={Shell(value)}");
        }

        output.WriteLine();
        output.WriteLine("Arguments of gardencity run:");
        output.WriteLine(string.Join(' ', fields.Select(f => "--set " + Shell(prefix + f.Field + "=" + f.Value))));
    }

    /// <summary>A value as one POSIX shell word: as is when it needs no quoting, otherwise in single quotes.</summary>
    internal static string Shell(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '=' or '/')
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
