using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Time;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Core.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.Core.Quality;

/// <summary>
/// Loads <c>deploy/quality.yaml</c> (docs/data-quality.md). Every problem is reported with file, line, column and
/// field; a file with any problem is refused whole (<see cref="QualityPolicyException"/>). A station's entry for a field
/// changes only the checks it names (<c>off</c> turns one off) and keeps the kind's others.
/// </summary>
public static class QualityPolicyLoader
{
    private static readonly string[] FieldKeys = ["soft", "rate", "spike", "stuck"];

    /// <summary>Loads and validates a policy file.</summary>
    public static QualityPolicy LoadFile(string path, StationRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new QualityPolicyException([new ConfigFileError(path, 0, 0, "(file)", ex.Message + " Set GardenCity:Quality:PolicyFile to the policy file, or to an empty value to run no quality checks.")]);
        }

        return Load(text, path, registry);
    }

    /// <summary>Loads and validates policy YAML; <paramref name="fileName"/> is used in messages.</summary>
    public static QualityPolicy Load(string yaml, string fileName, StationRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(registry);
        var ctx = new YamlContext(fileName);
        var stream = new YamlStream();
        if (YamlSyntax.TryLoad(stream, yaml, fileName) is { } syntax)
        {
            throw new QualityPolicyException([syntax]);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new QualityPolicyException([new ConfigFileError(fileName, 1, 1, "(root)", "expected one YAML document with a mapping at the top")]);
        }

        ctx.CheckKeys(root, "(root)", ["version", "clock_drift", "kinds", "stations"]);
        if (ctx.Child(root, "version", "version", required: true) is { } version && ctx.Scalar(version, "version") is { } v && v != "1")
        {
            ctx.Error(version, "version", $"unsupported quality policy version '{v}', expected 1");
        }

        ClockDriftRule? clock = null;
        if (ctx.Child(root, "clock_drift", "clock_drift", required: false) is { } clockNode && !IsOff(clockNode))
        {
            if (clockNode is YamlMappingNode map)
            {
                ctx.CheckKeys(map, "clock_drift", ["tolerance", "samples"]);
                TimeSpan? tolerance = ctx.RequiredDuration(map, "tolerance", "clock_drift");
                double? samples = ctx.Number(map, "samples", "clock_drift", required: true, 2, 1000);
                clock = tolerance is { } t && samples is { } s ? new ClockDriftRule(t, (int)s) : null;
                if (samples is { } n && n != Math.Floor(n))
                {
                    ctx.Error(map.Children[new YamlScalarNode("samples")], "clock_drift.samples", "expected a whole number");
                }
            }
            else
            {
                ctx.Error(clockNode, "clock_drift", "expected { tolerance: 3m, samples: 6 } or off");
            }
        }

        var kinds = new Dictionary<StationKind, IReadOnlyDictionary<string, FieldQualityRules>>();
        if (ctx.Child(root, "kinds", "kinds", required: false) is { } kindsNode)
        {
            foreach ((YamlScalarNode key, YamlMappingNode fields) in Entries(ctx, kindsNode, "kinds"))
            {
                string path = $"kinds.{key.Value}";
                if (!StationKinds.TryParse(key.Value, out StationKind kind) || kind == StationKind.CameraTrap)
                {
                    ctx.Error(key, path, $"'{key.Value}' is not a kind that sends telemetry; use weather, water-level or fire");
                    continue;
                }

                kinds[kind] = ReadFields(ctx, fields, path, kind, inherited: null);
            }
        }

        var stations = new Dictionary<string, IReadOnlyDictionary<string, FieldQualityRules>>(StringComparer.Ordinal);
        if (ctx.Child(root, "stations", "stations", required: false) is { } stationsNode)
        {
            foreach ((YamlScalarNode key, YamlMappingNode fields) in Entries(ctx, stationsNode, "stations"))
            {
                string path = $"stations.{key.Value}";
                if (!registry.TryGet(key.Value!, out Station? station))
                {
                    ctx.Error(key, path, $"no station '{key.Value}' in the station registry");
                    continue;
                }

                if (station.Kind == StationKind.CameraTrap)
                {
                    ctx.Error(key, path, $"station '{key.Value}' is a camera trap, which sends no telemetry to check");
                    continue;
                }

                stations[station.Id] = ReadFields(ctx, fields, path, station.Kind, kinds.GetValueOrDefault(station.Kind));
            }
        }

        if (ctx.Errors.Count > 0)
        {
            throw new QualityPolicyException(ctx.Errors);
        }

        return new QualityPolicy(kinds, stations, clock);
    }

    private static Dictionary<string, FieldQualityRules> ReadFields(YamlContext ctx, YamlMappingNode node, string path, StationKind kind, IReadOnlyDictionary<string, FieldQualityRules>? inherited)
    {
        var known = FieldSpecs.TelemetryFor(kind);
        var fields = new Dictionary<string, FieldQualityRules>(StringComparer.Ordinal);
        foreach ((YamlScalarNode key, YamlMappingNode checks) in Entries(ctx, node, path))
        {
            string at = $"{path}.{key.Value}";
            if (!known.TryGetValue(key.Value!, out FieldSpec? spec))
            {
                ctx.Error(key, at, $"'{key.Value}' is not a {kind.ToWireName()} field; the contract's fields are {string.Join(", ", known.Keys.Order(StringComparer.Ordinal))}");
                continue;
            }

            ctx.CheckKeys(checks, at, FieldKeys);
            FieldQualityRules rules = inherited?.GetValueOrDefault(spec.Name) ?? FieldQualityRules.None;
            if (Section(ctx, checks, "soft", at) is { } soft)
            {
                rules = rules with { Soft = soft.Map is { } m ? ReadSoft(ctx, m, $"{at}.soft", spec) : null };
            }

            if (Section(ctx, checks, "rate", at) is { } rate)
            {
                rules = rules with { Rate = rate.Map is { } m ? ReadRate(ctx, m, $"{at}.rate", spec) : null };
            }

            if (Section(ctx, checks, "spike", at) is { } spike)
            {
                rules = rules with { Spike = spike.Map is { } m ? ReadSpike(ctx, m, $"{at}.spike", spec) : null };
            }

            if (Section(ctx, checks, "stuck", at) is { } stuck)
            {
                rules = rules with { Stuck = stuck.Map is { } m ? ReadStuck(ctx, m, $"{at}.stuck", spec) : null };
            }

            if (rules.Spike is not null && rules.Rate is null)
            {
                ctx.Error(checks, $"{at}.spike", "a spike is a rate-of-change jump that comes back: set 'rate' too, or turn 'spike' off");
            }

            fields[spec.Name] = rules;
        }

        // Fields the station does not mention keep the kind's rules.
        foreach ((string field, FieldQualityRules rules) in inherited ?? new Dictionary<string, FieldQualityRules>())
        {
            fields.TryAdd(field, rules);
        }

        return fields;
    }

    private static SoftLimits? ReadSoft(YamlContext ctx, YamlMappingNode map, string path, FieldSpec spec)
    {
        ctx.CheckKeys(map, path, ["min", "max"]);
        double? min = ctx.Number(map, "min", path, required: false, spec.Min, spec.Max);
        double? max = ctx.Number(map, "max", path, required: false, spec.Min, spec.Max);
        if (min is null && max is null)
        {
            ctx.Error(map, path, $"give min, max or both (within the contract's hard limits {spec.Min} .. {spec.Max})");
            return null;
        }

        if (min > max)
        {
            ctx.Error(map, path, $"min {min} is above max {max}");
            return null;
        }

        return new SoftLimits(min, max);
    }

    private static RateRule? ReadRate(YamlContext ctx, YamlMappingNode map, string path, FieldSpec spec)
    {
        ctx.CheckKeys(map, path, ["max_change", "within"]);
        double? change = ctx.Number(map, "max_change", path, required: true, 0, spec.Max - spec.Min);
        TimeSpan? within = ctx.RequiredDuration(map, "within", path);
        return change is { } c && within is { } w ? new RateRule(c, w) : null;
    }

    private static SpikeRule? ReadSpike(YamlContext ctx, YamlMappingNode map, string path, FieldSpec spec)
    {
        ctx.CheckKeys(map, path, ["return_within", "tolerance"]);
        TimeSpan? within = ctx.RequiredDuration(map, "return_within", path);
        double? tolerance = ctx.Number(map, "tolerance", path, required: true, 0, spec.Max - spec.Min);
        return within is { } w && tolerance is { } t ? new SpikeRule(w, t) : null;
    }

    private static StuckRule? ReadStuck(YamlContext ctx, YamlMappingNode map, string path, FieldSpec spec)
    {
        ctx.CheckKeys(map, path, ["samples", "for", "tolerance"]);
        double? samples = ctx.Number(map, "samples", path, required: true, 2, 100_000);
        TimeSpan? duration = ctx.RequiredDuration(map, "for", path);
        double? tolerance = ctx.Number(map, "tolerance", path, required: false, 0, spec.Max - spec.Min) ?? 0;
        if (samples is { } n && n != Math.Floor(n))
        {
            ctx.Error(map.Children[new YamlScalarNode("samples")], $"{path}.samples", "expected a whole number");
            return null;
        }

        return samples is { } s && duration is { } d && tolerance is { } t ? new StuckRule((int)s, d, t) : null;
    }

    /// <summary>A check's section: absent (null), <c>off</c> (Map null) or a mapping.</summary>
    private static (YamlMappingNode? Map, bool Present)? Section(YamlContext ctx, YamlMappingNode checks, string key, string path)
    {
        if (ctx.Child(checks, key, $"{path}.{key}", required: false) is not { } node)
        {
            return null;
        }

        if (IsOff(node))
        {
            return (null, true);
        }

        if (node is YamlMappingNode map)
        {
            return (map, true);
        }

        ctx.Error(node, $"{path}.{key}", "expected a mapping of the check's settings, or off");
        return null;
    }

    private static bool IsOff(YamlNode node) => node is YamlScalarNode { Value: "off" };

    private static IEnumerable<(YamlScalarNode Key, YamlMappingNode Value)> Entries(YamlContext ctx, YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            ctx.Error(node, path, "expected a mapping");
            yield break;
        }

        foreach ((YamlNode key, YamlNode value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } } scalar)
            {
                ctx.Error(key, path, "expected a name as key");
                continue;
            }

            if (value is YamlMappingNode entry)
            {
                yield return (scalar, entry);
            }
            else
            {
                ctx.Error(value, $"{path}.{scalar.Value}", "expected a mapping");
            }
        }
    }
}
