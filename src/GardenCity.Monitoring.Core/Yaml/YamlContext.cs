using System.Globalization;
using GardenCity.Monitoring.Core.Time;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.Core.Yaml;

/// <summary>One problem in a configuration file, located by line and column (1-based) and field.</summary>
public sealed record ConfigFileError(string File, int Line, int Column, string Field, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}:{Column}: field '{Field}': {Message}";
}

/// <summary>
/// Reads a YAML representation tree and collects every problem with file, line, column and field, so that a broken
/// file is reported whole rather than one error at a time. Used by the station registry and the rule files.
/// </summary>
public sealed class YamlContext(string file)
{
    /// <summary>The file name used in messages.</summary>
    public string File => file;

    /// <summary>Every problem found so far, in file order.</summary>
    public List<ConfigFileError> Errors { get; } = [];

    /// <summary>Records a problem at a node.</summary>
    public void Error(YamlNode node, string field, string message) =>
        Errors.Add(new ConfigFileError(file, (int)node.Start.Line, (int)node.Start.Column, field, message));

    /// <summary>Records every key of a mapping that is not in <paramref name="allowed"/> (<paramref name="path"/> is <c>(root)</c> for the top level).</summary>
    public void CheckKeys(YamlMappingNode node, string path, string[] allowed)
    {
        foreach ((YamlNode key, _) in node.Children)
        {
            string name = (key as YamlScalarNode)?.Value ?? "?";
            if (!allowed.Contains(name))
            {
                Error(key, path == "(root)" ? name : $"{path}.{name}", $"unknown field '{name}'; allowed: {string.Join(", ", allowed)}");
            }
        }
    }

    /// <summary>The value of a key of a mapping; null when absent, recording a problem when <paramref name="required"/>.</summary>
    public YamlNode? Child(YamlMappingNode node, string key, string field, bool required)
    {
        if (node.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child))
        {
            return child;
        }

        if (required)
        {
            Error(node, field.EndsWith("." + key, StringComparison.Ordinal) || field == key ? field : $"{field}.{key}", $"missing required field '{key}'");
        }

        return null;
    }

    /// <summary>The text of a non-empty scalar; null, recording a problem, for anything else.</summary>
    public string? Scalar(YamlNode node, string field)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } value })
        {
            return value;
        }

        Error(node, field, "expected a non-empty text value");
        return null;
    }

    /// <summary>The text of a required key; null, recording a problem, when absent or not text.</summary>
    public string? RequiredString(YamlMappingNode node, string key, string path) =>
        Child(node, key, path, required: true) is { } child ? Scalar(child, $"{path}.{key}") : null;

    /// <summary>The text of an optional key; null when absent (a problem is recorded when it is present but not text).</summary>
    public string? OptionalString(YamlMappingNode node, string key, string path) =>
        Child(node, key, path, required: false) is { } child ? Scalar(child, $"{path}.{key}") : null;

    /// <summary>A finite number (invariant culture) within <paramref name="min"/> .. <paramref name="max"/>; null, recording a problem, when absent and required, not a number or out of range.</summary>
    public double? Number(YamlMappingNode node, string key, string path, bool required, double min, double max)
    {
        if (Child(node, key, path, required) is not { } child)
        {
            return null;
        }

        string field = $"{path}.{key}";
        if (child is not YamlScalarNode { Value: { } text }
            || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value))
        {
            Error(child, field, "expected a number");
            return null;
        }

        if (value < min || value > max)
        {
            Error(child, field, $"{value.ToString(CultureInfo.InvariantCulture)} is outside {min.ToString(CultureInfo.InvariantCulture)} .. {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return value;
    }

    /// <summary>
    /// A duration (<see cref="Durations"/>: <c>90s</c>, <c>30m</c>, <c>6h</c>, <c>1d</c>) in <paramref name="node"/>; the
    /// one reader of the rule files and the quality policy, so both say the same about a bad one.
    /// </summary>
    public TimeSpan? Duration(YamlNode node, string field)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node is YamlScalarNode { Value: { } text } && Durations.TryParse(text, out TimeSpan duration))
        {
            return duration;
        }

        Error(node, field, $"'{(node as YamlScalarNode)?.Value}' is not a duration like 90s, 30m, 6h, 1d (positive, at most 400 days)");
        return null;
    }

    /// <summary>The required duration <paramref name="key"/> of <paramref name="node"/> (<see cref="Duration(YamlNode, string)"/>).</summary>
    public TimeSpan? RequiredDuration(YamlMappingNode node, string key, string path) =>
        Child(node, key, $"{path}.{key}", required: true) is { } child ? Duration(child, $"{path}.{key}") : null;

    /// <summary>The required Chinese and English texts <c>key: {zh, en}</c> of <paramref name="node"/>; null parts when missing (the problem is recorded).</summary>
    public (string? Zh, string? En) ZhEn(YamlMappingNode node, string key, string path)
    {
        if (Child(node, key, path, required: true) is not { } child)
        {
            return (null, null);
        }

        if (child is not YamlMappingNode map)
        {
            Error(child, $"{path}.{key}", "expected a mapping with 'zh' and 'en'");
            return (null, null);
        }

        CheckKeys(map, $"{path}.{key}", ["zh", "en"]);
        return (RequiredString(map, "zh", $"{path}.{key}"), RequiredString(map, "en", $"{path}.{key}"));
    }

    /// <summary>
    /// The scalars of the list <paramref name="key"/> of <paramref name="map"/> (<c>[a, b]</c>) with their nodes; problems
    /// are recorded for a value that is not a list, items that are not scalars, and (when <paramref name="required"/>) a
    /// missing or empty list.
    /// </summary>
    public List<(YamlNode Node, string Value)> ScalarList(YamlMappingNode map, string key, string path, bool required = false)
    {
        var result = new List<(YamlNode, string)>();
        if (Child(map, key, path, required) is not { } child)
        {
            return result;
        }

        if (child is not YamlSequenceNode list)
        {
            Error(child, $"{path}.{key}", "expected a list, e.g. [a, b]");
            return result;
        }

        foreach (YamlNode item in list.Children)
        {
            if (Scalar(item, $"{path}.{key}") is { } value)
            {
                result.Add((item, value));
            }
        }

        if (required && list.Children.Count == 0)
        {
            Error(child, $"{path}.{key}", "the list is empty; name at least one");
        }

        return result;
    }

    /// <summary>The mappings of a required list under <paramref name="key"/>, with their paths (<c>key[i]</c>); problems are recorded for a missing list or items that are not mappings.</summary>
    public IEnumerable<(YamlMappingNode Node, string Path)> Items(YamlMappingNode root, string key)
    {
        if (Child(root, key, key, required: true) is not { } list)
        {
            yield break;
        }

        if (list is not YamlSequenceNode sequence)
        {
            Error(list, key, "expected a list");
            yield break;
        }

        for (int i = 0; i < sequence.Children.Count; i++)
        {
            string path = $"{key}[{i}]";
            if (sequence.Children[i] is YamlMappingNode item)
            {
                yield return (item, path);
            }
            else
            {
                Error(sequence.Children[i], path, "expected a mapping");
            }
        }
    }
}
