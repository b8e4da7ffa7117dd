using System.Collections;
using System.Reflection;

namespace GardenCity.Monitoring.Host.Settings;

/// <summary>
/// Every configuration key the options classes of this build bind under <c>GardenCity:</c>, with the type each leaf
/// binds to. Read by reflection from the <c>*Options</c> classes that declare a <c>SectionName</c> constant in the
/// GardenCity assemblies, so a new setting is known as soon as its property exists. Immutable; thread-safe.
/// </summary>
internal sealed class SettingsSchema
{
    /// <summary>Stands for any list index or dictionary key in a pattern (<c>GardenCity:Api:Keys:*:Name</c>).</summary>
    public const string Any = "*";

    private readonly Dictionary<string, Type> _leaves = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SortedSet<string>> _children = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _deprecated = new(StringComparer.OrdinalIgnoreCase);

    private SettingsSchema(IEnumerable<(string Section, Type Options)> sections)
    {
        foreach ((string section, Type options) in sections)
        {
            AddPath(section);
            AddType(section, options, depth: 0);
        }
    }

    /// <summary>The schema of the options classes of the GardenCity assemblies loaded by (or referenced from) the host.</summary>
    public static SettingsSchema Current { get; } = new(FindSections());

    /// <summary>Builds a schema of the given sections (tests).</summary>
    internal static SettingsSchema Of(params (string Section, Type Options)[] sections) => new(sections);

    /// <summary>The type a leaf key binds to, or null when the key is not a leaf this build knows (indexes matched as <see cref="Any"/>).</summary>
    public Type? LeafType(string key) => _leaves.GetValueOrDefault(Pattern(key));

    /// <summary>
    /// What to use instead of a deprecated key (its options property is <see cref="ObsoleteAttribute"/>, still bound so
    /// that settings of existing deployments keep working), or null when <paramref name="key"/> is not deprecated.
    /// </summary>
    public string? Deprecation(string key) => _deprecated.GetValueOrDefault(Pattern(key));

    /// <summary>Whether <paramref name="key"/> is a known leaf or a known section (a parent of known keys).</summary>
    public bool IsKnown(string key)
    {
        string pattern = Pattern(key);
        return _leaves.ContainsKey(pattern) || _children.ContainsKey(pattern);
    }

    /// <summary>
    /// The known key nearest to an unknown <paramref name="key"/>: the deepest known parent, then the child whose name
    /// is closest in edit distance (a typo, not a different word), the rest of the key kept. Null when nothing is close.
    /// </summary>
    public string? Suggest(string key)
    {
        string[] segments = key.Split(':');
        for (int known = segments.Length - 1; known >= 1; known--)
        {
            string parent = Pattern(string.Join(':', segments[..known]));
            if (!_children.TryGetValue(parent, out SortedSet<string>? children))
            {
                continue;
            }

            string typed = segments[known];
            string? best = children.Where(c => c != Any)
                .Select(c => (Name: c, Distance: EditDistance(typed.ToUpperInvariant(), c.ToUpperInvariant())))
                .Where(c => c.Distance <= Math.Max(2, typed.Length / 3))
                .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Name).FirstOrDefault();
            if (best is null)
            {
                return null;
            }

            string[] suggestion = [.. segments[..known], best, .. segments[(known + 1)..]];
            string candidate = string.Join(':', suggestion);
            return IsKnown(candidate) ? candidate : string.Join(':', suggestion[..(known + 1)]);
        }

        return null;
    }

    /// <summary>The key with each list index (a number) written <see cref="Any"/>; dictionary keys are matched by their parent.</summary>
    private string Pattern(string key)
    {
        string[] segments = key.Split(':');
        var result = new List<string>(segments.Length);
        foreach (string segment in segments)
        {
            string parent = string.Join(':', result);
            bool anyChild = _children.TryGetValue(parent, out SortedSet<string>? children) && children.Contains(Any);
            result.Add(anyChild ? Any : segment);
        }

        return string.Join(':', result);
    }

    private void AddType(string path, Type type, int depth)
    {
        if (depth > 6)
        {
            return;
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // The binder fills a get-only property too when it holds a collection or an object of settings (e.g.
            // GardenCity:Duty:Channels:N:Sms); only a get-only leaf cannot be set.
            Type valueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null || (property.SetMethod is not { IsPublic: true } && !IsCollection(property.PropertyType) && IsLeaf(valueType)))
            {
                continue;
            }

            string key = path + ":" + property.Name;
            if (property.GetCustomAttribute<ObsoleteAttribute>() is { } obsolete)
            {
                _deprecated[key] = obsolete.Message ?? "it will be removed";
            }

            AddPath(key);
            AddValue(key, property.PropertyType, depth);
        }
    }

    private void AddValue(string key, Type type, int depth)
    {
        Type underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (IsLeaf(underlying))
        {
            _leaves[key] = underlying;
        }
        else if (ElementType(underlying) is { } element)
        {
            string item = key + ":" + Any;
            AddPath(item);
            AddValue(item, element, depth + 1);
        }
        else
        {
            AddType(key, underlying, depth + 1);
        }
    }

    private void AddPath(string key)
    {
        int colon = key.LastIndexOf(':');
        if (colon < 0)
        {
            return;
        }

        string parent = key[..colon];
        if (!_children.TryGetValue(parent, out SortedSet<string>? children))
        {
            _children[parent] = children = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            AddPath(parent);
        }

        children.Add(key[(colon + 1)..]);
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Uri) || type == typeof(Guid);

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    /// <summary>The element of a list, array or set, or the value of a dictionary with string keys.</summary>
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!IsCollection(type))
        {
            return null;
        }

        Type? dictionary = type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dictionary is not null)
        {
            return dictionary.GetGenericArguments()[1];
        }

        Type? enumerable = type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static IEnumerable<(string Section, Type Options)> FindSections()
    {
        var assemblies = new List<Assembly> { typeof(SettingsSchema).Assembly };
        foreach (AssemblyName name in typeof(SettingsSchema).Assembly.GetReferencedAssemblies().Where(a => a.Name?.StartsWith("GardenCity.", StringComparison.Ordinal) == true))
        {
            assemblies.Add(Assembly.Load(name));
        }

        foreach (Type type in assemblies.Distinct().SelectMany(a => a.GetTypes()))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                && field.GetRawConstantValue() is string section && section.StartsWith(HostingOptions.SectionName, StringComparison.Ordinal))
            {
                yield return (section, type);
            }
        }
    }

    /// <summary>Levenshtein distance.</summary>
    internal static int EditDistance(string a, string b)
    {
        int[] previous = Enumerable.Range(0, b.Length + 1).ToArray();
        int[] current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
