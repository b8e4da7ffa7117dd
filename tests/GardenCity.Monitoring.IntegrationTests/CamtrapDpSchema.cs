using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Validates a Camtrap DP package against the official schemas copied unchanged into <c>Reference/</c>
/// (Reference/README.md): <c>datapackage.json</c> against the Camtrap DP 1.0.2 profile (JSON Schema, with its
/// <c>allOf</c> reference to the Frictionless Data Package profile mapped to the local copy; JsonSchema.Net), and every
/// row of the deployments, media and observations CSVs against the resource's official Table Schema, read from its
/// file: header and field order, types and formats, <c>required</c>, <c>unique</c>, <c>enum</c>, <c>pattern</c>,
/// <c>minimum</c>/<c>maximum</c>, <c>missingValues</c>, the primary key and the foreign keys between the tables — the
/// checks of the Frictionless Table Schema v1 specification, implemented here (no Frictionless library for .NET).
/// No network: every schema URL the profile or a resource names must map to a local file, or it is an error.
/// (The official table schemas are not themselves checked against Frictionless' tableschema.json v1 profile: they do
/// not pass it — e.g. numeric <c>minimum</c> where that profile wants a string, a boolean <c>example</c> — in Python's
/// jsonschema as here; the Table Schema specification's text is what the rows are checked by.)
/// </summary>
internal static partial class CamtrapDpSchema
{
    public const string ProfileUrl = "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/camtrap-dp-profile.json";

    private const string TableSchemaBase = "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/";

    public static string ReferenceDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "Reference");

    private static readonly string[] CamtrapTables = ["deployments", "media", "observations"];

    private static readonly Lazy<(JsonSchema Profile, Dictionary<string, JsonElement> TableSchemas)> Schemas = new(Load);

    /// <summary>The errors of the package in <paramref name="zip"/>; empty when it is valid.</summary>
    public static IReadOnlyList<string> Validate(ZipArchive zip) => Validate(name =>
    {
        ZipArchiveEntry? entry = zip.GetEntry(name);
        if (entry is null)
        {
            return null;
        }

        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    });

    /// <summary>The errors of the package in <paramref name="directory"/>; empty when it is valid.</summary>
    public static IReadOnlyList<string> Validate(string directory) => Validate(name => File.Exists(Path.Combine(directory, name)) ? File.ReadAllText(Path.Combine(directory, name)) : null);

    /// <summary>The errors of a package whose files <paramref name="read"/> returns by path (null: absent).</summary>
    public static IReadOnlyList<string> Validate(Func<string, string?> read)
    {
        var errors = new List<string>();
        string? text = read("datapackage.json");
        if (text is null)
        {
            return ["datapackage.json: absent"];
        }

        JsonElement package = JsonDocument.Parse(text).RootElement.Clone();
        string? profile = package.TryGetProperty("profile", out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        if (profile != ProfileUrl)
        {
            errors.Add($"datapackage.json /profile: '{profile}' is not the Camtrap DP 1.0.2 profile this check has ({ProfileUrl})");
        }

        EvaluationResults result = Schemas.Value.Profile.Evaluate(package, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (!result.IsValid)
        {
            // The list output also carries the failures of oneOf/anyOf branches that did not have to pass: all are
            // reported, the package is invalid either way.
            errors.AddRange((result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"datapackage.json {d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}")));
            if (errors.Count == 0)
            {
                errors.Add("datapackage.json: invalid against the profile");
            }
        }

        var tables = new Dictionary<string, Table>(StringComparer.Ordinal);
        if (package.TryGetProperty("resources", out JsonElement resources) && resources.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement resource in resources.EnumerateArray())
            {
                string? name = resource.TryGetProperty("name", out JsonElement n) ? n.GetString() : null;
                if (name is null || !CamtrapTables.Contains(name))
                {
                    continue; // other resources are allowed and not Camtrap DP's
                }

                string? schemaUrl = resource.TryGetProperty("schema", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                if (schemaUrl is null || !Schemas.Value.TableSchemas.TryGetValue(schemaUrl, out JsonElement schema))
                {
                    errors.Add($"resource {name}: schema '{schemaUrl}' is not an official Camtrap DP 1.0.2 table schema this check has");
                    continue;
                }

                string? path = resource.TryGetProperty("path", out JsonElement pa) && pa.ValueKind == JsonValueKind.String ? pa.GetString() : null;
                string? csv = path is null ? null : read(path);
                if (csv is null)
                {
                    errors.Add($"resource {name}: file '{path}' absent");
                    continue;
                }

                tables[name] = CheckTable(name, schema, csv, errors);
            }
        }

        foreach (string name in CamtrapTables.Where(t => !tables.ContainsKey(t)))
        {
            errors.Add($"resource {name}: not checked (absent or without an official schema)");
        }

        foreach (Table table in tables.Values)
        {
            CheckForeignKeys(table, tables, errors);
        }

        return errors;
    }

    private static (JsonSchema, Dictionary<string, JsonElement>) Load()
    {
        string camtrap = Path.Combine(ReferenceDirectory, "camtrap-dp-1.0.2"), frictionless = Path.Combine(ReferenceDirectory, "frictionless-1.0");

        // The Camtrap DP profile declares JSON Schema draft-04, which JsonSchema.Net has no dialect for. Draft-06 is
        // draft-04 plus keywords; it differs only in exclusiveMinimum/exclusiveMaximum (booleans in 04) and id/$id,
        // none of which the profile uses. So draft-04 is evaluated with the draft-06 keywords, $ref ignoring its
        // siblings as in draft-04. The Frictionless profiles declare draft-07, which is supported as it is.
        var dialects = new DialectRegistry();
        dialects.Register(Dialect.Draft06.With([], new Uri("http://json-schema.org/draft-04/schema"), refIgnoresSiblingKeywords: true, allowUnknownKeywords: true));
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry(), DialectRegistry = dialects };

        // Remote references of the profile, mapped to local files (no network): the Frictionless Data Package profile
        // (frictionless-1.0/datapackage.json, the file served at that URL for v1) and GeoJSON (a stand-in: no official
        // copy was supplied, SchemaStandIns/geojson.json says so).
        JsonSchema.FromText(File.ReadAllText(Path.Combine(frictionless, "datapackage.json")), options, new Uri("https://specs.frictionlessdata.io/schemas/data-package.json"));
        JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "SchemaStandIns", "geojson.json")), options, new Uri("http://json.schemastore.org/geojson.json"));
        JsonSchema profile = JsonSchema.FromText(File.ReadAllText(Path.Combine(camtrap, "camtrap-dp-profile.json")), options, new Uri(ProfileUrl));
        var tables = CamtrapTables.ToDictionary(t => $"{TableSchemaBase}{t}-table-schema.json",
            t => JsonDocument.Parse(File.ReadAllText(Path.Combine(camtrap, $"{t}-table-schema.json"))).RootElement.Clone(), StringComparer.Ordinal);
        return (profile, tables);
    }

    private sealed record Field(string Name, string Type, string Format, JsonElement Constraints);

    private sealed record Table(string Name, JsonElement Schema, string[] Header, List<string?[]> Rows);

    /// <summary>Checks one CSV against its Table Schema; returns the rows with missing values as null.</summary>
    private static Table CheckTable(string name, JsonElement schema, string csv, List<string> errors)
    {
        int before = errors.Count;
        void Error(string message)
        {
            if (errors.Count - before < 50)
            {
                errors.Add($"{name}.csv {message}");
            }
            else if (errors.Count - before == 50)
            {
                errors.Add($"{name}.csv: more errors left out");
            }
        }

        List<string[]> records = ParseCsv(csv);
        var fields = schema.GetProperty("fields").EnumerateArray().Select(f => new Field(
            f.GetProperty("name").GetString()!,
            f.TryGetProperty("type", out JsonElement t) ? t.GetString()! : "string",
            f.TryGetProperty("format", out JsonElement fo) ? fo.GetString()! : "default",
            f.TryGetProperty("constraints", out JsonElement c) ? c : default)).ToList();
        string[] missing = schema.TryGetProperty("missingValues", out JsonElement mv) ? [.. mv.EnumerateArray().Select(v => v.GetString()!)] : [""];
        if (records.Count == 0)
        {
            Error("is empty: no header");
            return new Table(name, schema, [], []);
        }

        string[] header = records[0];
        if (!header.SequenceEqual(fields.Select(f => f.Name)))
        {
            Error($"header [{string.Join(",", header)}] differs from the schema's fields in order [{string.Join(",", fields.Select(f => f.Name))}]");
        }

        var rows = new List<string?[]>();
        var seen = fields.Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
        for (int r = 1; r < records.Count; r++)
        {
            string[] cells = records[r];
            int line = r + 1;
            if (cells.Length != fields.Count)
            {
                Error($"row {line}: {cells.Length} cells, the schema has {fields.Count} fields");
            }

            var row = new string?[fields.Count];
            for (int i = 0; i < fields.Count; i++)
            {
                Field f = fields[i];
                string? value = i < cells.Length && !missing.Contains(cells[i]) ? cells[i] : null;
                row[i] = value;
                string at = $"row {line} {f.Name}";
                if (value is null)
                {
                    if (Constraint(f, "required") is { ValueKind: JsonValueKind.True })
                    {
                        Error($"{at}: required, missing");
                    }

                    continue;
                }

                double? number = CheckType(f, value, m => Error($"{at}: '{value}' {m}"));
                if (Constraint(f, "enum") is { ValueKind: JsonValueKind.Array } allowed && !allowed.EnumerateArray().Any(a => a.ToString() == value))
                {
                    Error($"{at}: '{value}' not in enum [{string.Join(",", allowed.EnumerateArray())}]");
                }

                if (Constraint(f, "pattern") is { ValueKind: JsonValueKind.String } pattern && !Regex.IsMatch(value, $"^(?:{pattern.GetString()})$", RegexOptions.None, TimeSpan.FromSeconds(1)))
                {
                    Error($"{at}: '{value}' does not match pattern {pattern.GetString()}");
                }

                if (number is { } x && Constraint(f, "minimum") is { ValueKind: JsonValueKind.Number } min && x < min.GetDouble())
                {
                    Error($"{at}: {value} below minimum {min}");
                }

                if (number is { } y && Constraint(f, "maximum") is { ValueKind: JsonValueKind.Number } max && y > max.GetDouble())
                {
                    Error($"{at}: {value} above maximum {max}");
                }

                if (Constraint(f, "minLength") is { ValueKind: JsonValueKind.Number } minLength && value.Length < minLength.GetInt32())
                {
                    Error($"{at}: shorter than {minLength}");
                }

                if (Constraint(f, "maxLength") is { ValueKind: JsonValueKind.Number } maxLength && value.Length > maxLength.GetInt32())
                {
                    Error($"{at}: longer than {maxLength}");
                }

                if (Constraint(f, "unique") is { ValueKind: JsonValueKind.True } && !seen[i].Add(value))
                {
                    Error($"{at}: '{value}' not unique");
                }
            }

            rows.Add(row);
        }

        // Primary key: present and unique (as a tuple when it names several fields).
        string[] key = Names(schema, "primaryKey");
        if (key.Length > 0)
        {
            int[] index = [.. key.Select(k => Array.IndexOf(header, k))];
            if (index.Any(i => i < 0))
            {
                Error($"primary key [{string.Join(",", key)}] names a column that is absent");
            }
            else
            {
                var keys = new HashSet<string>(StringComparer.Ordinal);
                for (int r = 0; r < rows.Count; r++)
                {
                    string?[] values = [.. index.Select(i => rows[r][i])];
                    if (values.Any(v => v is null))
                    {
                        Error($"row {r + 2}: primary key [{string.Join(",", key)}] missing");
                    }
                    else if (!keys.Add(string.Join("\u001f", values)))
                    {
                        Error($"row {r + 2}: primary key [{string.Join(",", key)}] = '{string.Join(",", values)}' not unique");
                    }
                }
            }
        }

        return new Table(name, schema, header, rows);
    }

    private static void CheckForeignKeys(Table table, Dictionary<string, Table> tables, List<string> errors)
    {
        if (!table.Schema.TryGetProperty("foreignKeys", out JsonElement foreignKeys))
        {
            return;
        }

        foreach (JsonElement fk in foreignKeys.EnumerateArray())
        {
            string[] own = Names(fk, "fields");
            JsonElement reference = fk.GetProperty("reference");
            string resource = reference.GetProperty("resource").GetString()!;
            string[] theirs = Names(reference, "fields");
            Table? target = resource.Length == 0 ? table : tables.GetValueOrDefault(resource);
            if (target is null)
            {
                errors.Add($"{table.Name}.csv foreign key → {resource}: resource absent");
                continue;
            }

            int[] ownIndex = [.. own.Select(k => Array.IndexOf(table.Header, k))], theirIndex = [.. theirs.Select(k => Array.IndexOf(target.Header, k))];
            if (ownIndex.Any(i => i < 0) || theirIndex.Any(i => i < 0))
            {
                errors.Add($"{table.Name}.csv foreign key [{string.Join(",", own)}] → {resource}: a column is absent");
                continue;
            }

            var targets = target.Rows.Select(r => string.Join("\u001f", theirIndex.Select(i => r[i]))).ToHashSet(StringComparer.Ordinal);
            int reported = 0;
            for (int r = 0; r < table.Rows.Count && reported < 20; r++)
            {
                string?[] values = [.. ownIndex.Select(i => table.Rows[r][i])];
                if (values.All(v => v is null))
                {
                    continue; // a foreign key whose fields are all missing refers to nothing
                }

                if (!targets.Contains(string.Join("\u001f", values)))
                {
                    errors.Add($"{table.Name}.csv row {r + 2}: foreign key [{string.Join(",", own)}] = '{string.Join(",", values)}' not found in {resource}");
                    reported++;
                }
            }
        }
    }

    private static string[] Names(JsonElement owner, string property) =>
        !owner.TryGetProperty(property, out JsonElement value) ? [] : value.ValueKind == JsonValueKind.String ? [value.GetString()!] : [.. value.EnumerateArray().Select(v => v.GetString()!)];

    private static JsonElement Constraint(Field f, string name) =>
        f.Constraints.ValueKind == JsonValueKind.Object && f.Constraints.TryGetProperty(name, out JsonElement c) ? c : default;

    /// <summary>Casts a present value by the field's type and format (Table Schema v1); returns it as a number when numeric.</summary>
    private static double? CheckType(Field f, string value, Action<string> error)
    {
        switch (f.Type)
        {
            case "string":
                if (f.Format == "uri" && !Uri.TryCreate(value, UriKind.Absolute, out _))
                {
                    error("is not a URI");
                }

                return null;
            case "any":
                return null;
            case "boolean":
                if (value is not ("true" or "True" or "TRUE" or "1" or "false" or "False" or "FALSE" or "0"))
                {
                    error("is not a boolean");
                }

                return null;
            case "integer":
                if (!IntegerSyntax().IsMatch(value))
                {
                    error("is not an integer");
                    return null;
                }

                return double.Parse(value, CultureInfo.InvariantCulture);
            case "number":
                if (value is "NaN" or "INF" or "-INF")
                {
                    return value == "NaN" ? null : value == "INF" ? double.PositiveInfinity : double.NegativeInfinity;
                }

                if (!NumberSyntax().IsMatch(value))
                {
                    error("is not a number");
                    return null;
                }

                return double.Parse(value, CultureInfo.InvariantCulture);
            case "datetime":
                CheckStrptime(f.Format is "default" ? "%Y-%m-%dT%H:%M:%SZ" : f.Format, value, error);
                return null;
            case "date":
                CheckStrptime(f.Format is "default" ? "%Y-%m-%d" : f.Format, value, error);
                return null;
            default:
                error($"has type '{f.Type}', which this check does not implement");
                return null;
        }
    }

    /// <summary>
    /// A datetime against a Python <c>strptime</c> pattern, as Frictionless reads such formats: <c>%Y %m %d %H %M %S
    /// %f %z</c> (<c>%z</c>: <c>Z</c>, <c>±HHMM</c> or <c>±HH:MM</c>, as Python 3.7+), and the date and time must exist.
    /// </summary>
    private static void CheckStrptime(string format, string value, Action<string> error)
    {
        if (format == "any")
        {
            return;
        }

        var regex = new StringBuilder("^");
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] == '%' && i + 1 < format.Length)
            {
                regex.Append(format[++i] switch
                {
                    'Y' => @"(?<Y>\d{4})",
                    'm' => @"(?<m>\d{1,2})",
                    'd' => @"(?<d>\d{1,2})",
                    'H' => @"(?<H>\d{1,2})",
                    'M' => @"(?<M>\d{1,2})",
                    'S' => @"(?<S>\d{1,2})",
                    'f' => @"\d{1,6}",
                    'z' => @"(?:Z|[+-]\d{2}:?\d{2}(?::?\d{2})?)",
                    '%' => "%",
                    char c => throw new NotSupportedException($"strptime directive %{c}"),
                });
            }
            else
            {
                regex.Append(Regex.Escape(format[i].ToString()));
            }
        }

        Match m = Regex.Match(value, regex.Append('$').ToString());
        int Part(string name, int otherwise) => m.Groups[name].Success ? int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) : otherwise;
        if (!m.Success)
        {
            error($"does not match the datetime format {format}");
        }
        else if (Part("m", 1) is < 1 or > 12 || Part("d", 1) < 1 || Part("d", 1) > DateTime.DaysInMonth(Part("Y", 2000), Part("m", 1)) || Part("H", 0) > 23 || Part("M", 0) > 59 || Part("S", 0) > 61)
        {
            error("does not exist as a date and time");
        }
    }

    /// <summary>RFC 4180 CSV (Frictionless' default dialect): quoted fields may hold commas, quotes and line breaks; LF or CRLF.</summary>
    public static List<string[]> ParseCsv(string text)
    {
        var records = new List<string[]>();
        var record = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    record.Add(cell.ToString());
                    cell.Clear();
                    any = true;
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break;
                case '\n':
                    record.Add(cell.ToString());
                    records.Add([.. record]);
                    record.Clear();
                    cell.Clear();
                    any = false;
                    break;
                default:
                    cell.Append(c);
                    any = true;
                    break;
            }
        }

        if (any || cell.Length > 0)
        {
            record.Add(cell.ToString());
            records.Add([.. record]);
        }

        return records;
    }

    [GeneratedRegex(@"^[+-]?\d+$")]
    private static partial Regex IntegerSyntax();

    [GeneratedRegex(@"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex NumberSyntax();
}
