using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.Core.Yaml;

/// <summary>
/// Loads YAML text and says what is wrong with broken syntax in plain words (what to change, not the parser's state:
/// "did not find expected '-' indicator" becomes "this list item is not indented like the items before it"), with
/// the parser's own text after it for a search. Used by the registry, the rule files and the quality policy.
/// </summary>
public static class YamlSyntax
{
    /// <summary>Loads <paramref name="text"/> into <paramref name="stream"/>; the syntax error of <paramref name="file"/>, or null.</summary>
    public static ConfigFileError? TryLoad(YamlStream stream, string text, string file)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            stream.Load(new StringReader(text));
            return null;
        }
        catch (YamlException ex)
        {
            string parser = ex.InnerException?.Message ?? ex.Message;
            return new ConfigFileError(file, (int)ex.Start.Line, (int)ex.Start.Column, "(syntax)", Explain(parser));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some unclosed flow collections ("{ a: 1" with no "}").
            return new ConfigFileError(file, 1, 1, "(syntax)", "a '{' or '[' is never closed with its '}' or ']' (or a quote is never closed); the file cannot be read as YAML");
        }
    }

    /// <summary>The plain-words reading of a YamlDotNet message, the message itself kept in brackets.</summary>
    public static string Explain(string parserMessage)
    {
        ArgumentNullException.ThrowIfNull(parserMessage);
        string m = parserMessage.ToUpperInvariant();
        string? plain =
            m.Contains("EXPECTED '-' INDICATOR", StringComparison.Ordinal) ? "this line is not indented like the list items before it: every item of a list starts with '- ' at the same column, and the fields of an item line up under its first field"
            : m.Contains("TAB", StringComparison.Ordinal) ? "a tab is used for indentation; YAML indents with spaces only"
            : m.Contains("INVALID MAPPING", StringComparison.Ordinal) || m.Contains("MAPPING VALUES ARE NOT ALLOWED", StringComparison.Ordinal)
                ? "a ':' where no field can start: put a value containing ': ' in quotes (\"Warning: high\"), or indent this line like the fields above it"
            : m.Contains("EXPECTED KEY", StringComparison.Ordinal) ? "this line is not indented like the fields of its block (same number of spaces as the field above it), or a value needs quotes"
            : m.Contains("DUPLICATE KEY", StringComparison.Ordinal) ? "this field appears twice in the same block; keep one"
            : m.Contains("QUOTED SCALAR", StringComparison.Ordinal) ? "a quoted value is not closed with its quote (or its next line is not indented)"
            : m.Contains("EXPECTED ',' OR '}'", StringComparison.Ordinal) || m.Contains("FLOW MAPPING", StringComparison.Ordinal) ? "a '{ ... }' is not closed, or its fields are not separated by commas"
            : m.Contains("EXPECTED ',' OR ']'", StringComparison.Ordinal) || m.Contains("FLOW SEQUENCE", StringComparison.Ordinal) ? "a '[ ... ]' is not closed, or its items are not separated by commas"
            : m.Contains("CANNOT START ANY TOKEN", StringComparison.Ordinal) ? "a value starts with a character YAML reserves ('@', '`', '%'); put it in quotes"
            : m.Contains("EXPECTED NODE CONTENT", StringComparison.Ordinal) ? "a value is missing here, or starts with a character that needs quotes"
            : m.Contains("ALIAS", StringComparison.Ordinal) || m.Contains("ANCHOR", StringComparison.Ordinal) ? "a '*' or '&' starts a YAML alias or anchor; put the value in quotes"
            : null;
        string said = parserMessage.TrimEnd('.');
        return plain is null ? $"broken YAML syntax ({said})" : $"{plain} (YAML parser: {said})";
    }
}
