using GardenCity.Monitoring.Core.Alerts;
using System.Globalization;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Time;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Core.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>Thrown when rule files cannot be used; lists every problem with file, line, column and field.</summary>
public sealed class RuleFileException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public RuleFileException(IReadOnlyList<ConfigFileError> errors)
        : base($"The rule files are invalid ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}):" + Environment.NewLine
               + string.Join(Environment.NewLine, errors.Select(e => "  " + e))) => Errors = errors;

    /// <summary>Creates an exception with a message.</summary>
    public RuleFileException(string message)
        : base(message) => Errors = [];

    /// <summary>Creates an exception with a message and a cause.</summary>
    public RuleFileException(string message, Exception innerException)
        : base(message, innerException) => Errors = [];

    /// <summary>Creates an exception with no details.</summary>
    public RuleFileException() => Errors = [];

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<ConfigFileError> Errors { get; }
}

/// <summary>A loaded, validated set of rules and the files they came from.</summary>
public sealed record RuleSet(IReadOnlyList<Rule> Rules, IReadOnlyList<string> Files)
{
    /// <summary>An empty set.</summary>
    public static RuleSet Empty { get; } = new([], []);
}

/// <summary>
/// Loads rule files (<c>deploy/rules/*.yaml</c>). A set with any problem is refused whole, with every problem named by
/// file, line, column and field, so that the rules already running stay in force. The format is in docs/alerting.md.
/// </summary>
public static partial class RuleLoader
{
    private static readonly string[] RuleKeys = ["id", "name", "audience", "category", "watch", "cooldown", "levels", "message", "instruction", "late_notices", "sensitive", "stale_after", "lost_contact", "doubtful", "group", "species_names"];
    private static readonly string[] CapCategories = ["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"];
    private static readonly string[] StatusFields = ["online", "battery_v", "rssi_dbm"];
    private static readonly string[] StationScopeKeys = ["kinds", "stations", "watersheds", "zones"];

    /// <summary>Fields the engine derives (daily Fire Weather Index system values, weather and fire stations).</summary>
    public static IReadOnlyList<string> DerivedFields { get; } = ["ffmc", "dmc", "dc", "isi", "bui", "fwi", "dsr"];

    /// <summary>Loads every <c>*.yaml</c> / <c>*.yml</c> file of a directory (in name order).</summary>
    public static RuleSet LoadDirectory(string directory, StationRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new RuleFileException([new ConfigFileError(directory, 0, 0, "(directory)",
                $"the rules folder '{directory}' does not exist (looked for {Path.GetFullPath(directory)}); create it and put the rule files (*.yaml) in it, "
                + "or point GardenCity:Alerting:RulesDirectory (rules check and rules backtest: --dir) at the folder of the shipped rules, deploy/rules in the repository")]);
        }

        string[] files = Directory.EnumerateFiles(directory)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        var texts = new List<(string Text, string Name)>();
        var errors = new List<ConfigFileError>();
        foreach (string file in files)
        {
            try
            {
                texts.Add((File.ReadAllText(file), file));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add(new ConfigFileError(file, 0, 0, "(file)", ex.Message));
            }
        }

        if (errors.Count > 0)
        {
            throw new RuleFileException(errors);
        }

        return Load(texts, registry);
    }

    /// <summary>Loads rule YAML texts; names are used in messages.</summary>
    public static RuleSet Load(IEnumerable<(string Text, string Name)> files, StationRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var rules = new List<Rule>();
        var names = new List<string>();
        var errors = new List<ConfigFileError>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var references = new List<(string File, YamlNode Node, string Field, string RuleId)>();
        foreach ((string text, string name) in files)
        {
            names.Add(name);
            var ctx = new YamlContext(name);
            foreach ((Rule rule, YamlNode node, RuleReading reading) in LoadFile(ctx, text, registry))
            {
                if (ids.TryGetValue(rule.Id, out string? first))
                {
                    ctx.Error(node, $"rules({rule.Id}).id", $"duplicate rule id '{rule.Id}', first defined at {first}");
                    continue;
                }

                ids[rule.Id] = rule.Source;
                rules.Add(rule);
                references.AddRange(reading.References.Select(r => (name, r.Node, r.Field, r.RuleId)));
            }

            errors.AddRange(ctx.Errors);
        }

        // A watershed_alert may name a rule of a later file: checked once every file is read, at the 'rule:' it was read from.
        foreach ((string file, YamlNode node, string field, string ruleId) in references.Where(r => !ids.ContainsKey(r.RuleId)))
        {
            errors.Add(new ConfigFileError(file, (int)node.Start.Line, (int)node.Start.Column, field, $"no rule '{ruleId}' is loaded; name a rule of the rules directory"));
        }

        if (errors.Count > 0)
        {
            throw new RuleFileException(errors);
        }

        return new RuleSet(rules, names);
    }

    private static List<(Rule, YamlNode, RuleReading)> LoadFile(YamlContext ctx, string text, StationRegistry? registry)
    {
        var result = new List<(Rule, YamlNode, RuleReading)>();
        var stream = new YamlStream();
        if (YamlSyntax.TryLoad(stream, text, ctx.File) is { } syntax)
        {
            ctx.Errors.Add(syntax);
            return result;
        }

        if (stream.Documents.Count == 0)
        {
            return result; // An empty file defines no rules.
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            ctx.Errors.Add(new ConfigFileError(ctx.File, 1, 1, "(root)", "expected one YAML document with a mapping 'rules:' at the top"));
            return result;
        }

        ctx.CheckKeys(root, "(root)", ["rules"]);
        foreach ((YamlMappingNode node, string path) in ctx.Items(root, "rules"))
        {
            int before = ctx.Errors.Count;
            var reading = new RuleReading();
            Rule? rule = ReadRule(ctx, node, path, registry, reading);
            if (rule is not null && ctx.Errors.Count == before)
            {
                result.Add((rule, node, reading));
            }
        }

        return result;
    }

    private static Rule? ReadRule(YamlContext ctx, YamlMappingNode node, string path, StationRegistry? registry, RuleReading reading)
    {
        ctx.CheckKeys(node, path, RuleKeys);
        string? id = ctx.RequiredString(node, "id", path);
        if (id is not null && !RuleId().IsMatch(id))
        {
            ctx.Error(node, path + ".id", $"'{id}' is not a rule id ([a-z0-9][a-z0-9-]{{0,63}})");
        }

        path = id is null ? path : $"{path}({id})";
        (string? nameZh, string? nameEn) = ctx.ZhEn(node, "name", path);
        (string? messageZh, string? messageEn) = ctx.ZhEn(node, "message", path);
        (string? instructionZh, string? instructionEn) = node.Children.ContainsKey(new YamlScalarNode("instruction")) ? ctx.ZhEn(node, "instruction", path) : (null, null);
        foreach ((string? template, string key, string lang) in new[] { (messageZh, "message", "zh"), (messageEn, "message", "en"), (instructionZh, "instruction", "zh"), (instructionEn, "instruction", "en") })
        {
            foreach (Match m in Rule.PlaceholderPattern().Matches(template ?? string.Empty))
            {
                if (!Rule.Placeholders.Contains(m.Groups[1].Value))
                {
                    ctx.Error(node.Children[new YamlScalarNode(key)], $"{path}.{key}.{lang}", $"unknown placeholder '{{{m.Groups[1].Value}}}'; known: {string.Join(", ", Rule.Placeholders)}");
                }
            }
        }

        Audience? audience = ctx.RequiredString(node, "audience", path) switch
        {
            null => null,
            "emergency" => Audience.Emergency,
            "ecology" => Audience.Ecology,
            "maintenance" => Audience.Maintenance,
            string other => Fail<Audience>(ctx, node.Children[new YamlScalarNode("audience")], path + ".audience", $"unknown audience '{other}'; expected emergency, ecology or maintenance"),
        };
        string category = ctx.OptionalString(node, "category", path) ?? "Other";
        if (!CapCategories.Contains(category))
        {
            ctx.Error(node.Children[new YamlScalarNode("category")], path + ".category", $"'{category}' is not a CAP 1.2 category; expected one of {string.Join(", ", CapCategories)}");
        }

        RuleScope? scope = ReadScope(ctx, node, path, registry);
        TimeSpan cooldown = ctx.Child(node, "cooldown", path, required: false) is { } cd ? ctx.Duration(cd, path + ".cooldown") ?? TimeSpan.Zero : TimeSpan.FromMinutes(30);
        bool lateNotices = ReadBool(ctx, node, "late_notices", path, true);
        bool sensitive = ReadBool(ctx, node, "sensitive", path, false);
        bool countDoubtful = ctx.Child(node, "doubtful", path, required: false) is { } doubtful && ReadDoubtful(ctx, doubtful, path + ".doubtful");

        var levels = new List<RuleLevel>();
        foreach ((YamlMappingNode level, string levelPath) in ctx.Items(node, "levels"))
        {
            string lp = path + "." + levelPath;
            ctx.CheckKeys(level, lp, ["severity", "when"]);
            string? severityName = ctx.RequiredString(level, "severity", lp);
            // An unknown or missing name leaves Severity.None, so the level is skipped below (its error is recorded).
            if (!SeverityNames.TryParse(severityName, out Severity severity) && severityName is not null)
            {
                ctx.Error(level.Children[new YamlScalarNode("severity")], lp + ".severity", $"unknown severity '{severityName}'; expected info, blue, yellow, orange or red");
            }

            Condition? condition = ctx.Child(level, "when", lp, required: true) is { } when && scope is not null
                ? ReadCondition(ctx, when, lp + ".when", scope, reading)
                : null;
            if (condition is not null && severity != Severity.None)
            {
                if (levels.Count > 0 && levels[^1].Severity >= severity)
                {
                    ctx.Error(level, lp + ".severity", $"levels must be in rising severity; '{severityName}' follows '{levels[^1].Severity.ToName()}'");
                }

                levels.Add(new RuleLevel(severity, condition));
            }
        }

        if (levels.Count == 0 && !ctx.Errors.Any(e => e.Field.StartsWith(path, StringComparison.Ordinal)))
        {
            ctx.Error(node, path + ".levels", "a rule needs at least one level");
        }

        (TimeSpan? staleAfter, bool lostContact) = ReadStale(ctx, node, path, audience, category, levels);
        (RuleGroup group, Dictionary<string, (string Zh, string En)> speciesNames) = ReadGroup(ctx, node, path, scope, levels);
        if (id is null || nameZh is null || nameEn is null || messageZh is null || messageEn is null || audience is null || scope is null)
        {
            return null;
        }

        return new Rule
        {
            Id = id,
            NameZh = nameZh,
            NameEn = nameEn,
            Source = $"{ctx.File}:{node.Start.Line}",
            Audience = audience.Value,
            CapCategory = category,
            Scope = scope,
            Cooldown = cooldown,
            Levels = levels,
            MessageZh = messageZh,
            MessageEn = messageEn,
            InstructionZh = instructionZh,
            InstructionEn = instructionEn,
            LateNotices = lateNotices,
            Sensitive = sensitive,
            CountDoubtful = countDoubtful,
            StaleAfter = staleAfter,
            LostContact = lostContact,
            Group = group,
            SpeciesNames = speciesNames,
        };
    }

    /// <summary>
    /// <c>group: site-day</c> (one incident per site and Beijing day, docs/ecology.md) and its <c>species_names:</c>. Such
    /// a rule watches camera traps only and has one level whose condition is one detection <c>event</c> over the day
    /// (<c>within: 1d</c>) naming scientific names, each with a Chinese and English name.
    /// </summary>
    private static (RuleGroup Group, Dictionary<string, (string Zh, string En)> Names) ReadGroup(YamlContext ctx, YamlMappingNode node, string path, RuleScope? scope, List<RuleLevel> levels)
    {
        var names = new Dictionary<string, (string Zh, string En)>(StringComparer.Ordinal);
        string? groupText = ctx.OptionalString(node, "group", path);
        YamlNode? namesNode = ctx.Child(node, "species_names", path, required: false);
        if (groupText is null)
        {
            if (namesNode is not null)
            {
                ctx.Error(namesNode, path + ".species_names", "species_names belong to a rule grouped per site and day (group: site-day); remove them or add the group");
            }

            return (RuleGroup.None, names);
        }

        YamlNode groupNode = node.Children[new YamlScalarNode("group")];
        if (groupText != "site-day")
        {
            ctx.Error(groupNode, path + ".group", $"unknown group '{groupText}'; expected site-day (one incident per site and Beijing day)");
            return (RuleGroup.None, names);
        }

        if (scope is not null && (scope.IsUnitScope || scope.Kinds.Count != 1 || !scope.Kinds.Contains(StationKind.CameraTrap)))
        {
            ctx.Error(groupNode, path + ".watch.kinds", "a rule grouped per site and day is about camera-trap detections: watch kinds [camera-trap] only");
        }

        if (levels.Count != 1 || levels[0].Condition is not EventCondition { Kind: "detection" } condition)
        {
            ctx.Error(groupNode, path + ".levels", "a rule grouped per site and day has exactly one level whose condition is one 'event' of type detection (no all/any)");
            return (RuleGroup.SiteDay, names);
        }

        if (condition.Within != TimeSpan.FromDays(1))
        {
            ctx.Error(groupNode, path + ".levels[0].when.event.within", "a rule grouped per site and day looks at the Beijing day: set 'within: 1d'");
        }

        if (condition.Subjects.Count == 0)
        {
            ctx.Error(groupNode, path + ".levels[0].when.event.species", "name the species (scientific names) of a rule grouped per site and day");
        }

        foreach (string species in condition.Subjects.Where(s => !ScientificName().IsMatch(s)))
        {
            ctx.Error(groupNode, path + ".levels[0].when.event.species", $"'{species}' is not a scientific name (Genus species, optionally a subspecies), e.g. 'Trachemys scripta'");
        }

        if (namesNode is not YamlMappingNode namesMap)
        {
            ctx.Error(namesNode ?? groupNode, path + ".species_names", "give every species its names: species_names: { 'Genus species': { zh: …, en: … } }");
            return (RuleGroup.SiteDay, names);
        }

        foreach ((YamlNode key, YamlNode _) in namesMap.Children)
        {
            string name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (!condition.Subjects.Contains(name))
            {
                ctx.Error(key, $"{path}.species_names.{name}", $"'{name}' is not in the rule's event.species; name only listed species");
                continue;
            }

            (string? zh, string? en) = ctx.ZhEn(namesMap, name, path + ".species_names");
            if (zh is not null && en is not null)
            {
                names[name] = (zh, en);
            }
        }

        foreach (string species in condition.Subjects.Where(s => !namesMap.Children.ContainsKey(new YamlScalarNode(s))).Order(StringComparer.Ordinal))
        {
            ctx.Error(namesMap, $"{path}.species_names", $"no names for '{species}'; add '{species}': {{ zh: …, en: … }}");
        }

        return (RuleGroup.SiteDay, names);
    }

    private static RuleScope? ReadScope(YamlContext ctx, YamlMappingNode node, string path, StationRegistry? registry)
    {
        if (ctx.Child(node, "watch", path, required: true) is not { } watch)
        {
            return null;
        }

        string wp = path + ".watch";
        if (watch is not YamlMappingNode map)
        {
            ctx.Error(watch, wp, "expected a mapping with kinds and optionally stations, sites, watersheds, zones (or, for geohazard rules, units and/or hazards)");
            return null;
        }

        ctx.CheckKeys(map, wp, ["kinds", "stations", "sites", "watersheds", "zones", "units", "hazards"]);
        bool unitScope = map.Children.ContainsKey(new YamlScalarNode("units")) || map.Children.ContainsKey(new YamlScalarNode("hazards"));
        var kinds = new HashSet<StationKind>();
        foreach ((YamlNode item, string name) in ctx.ScalarList(map, "kinds", wp))
        {
            if (StationKinds.TryParse(name, out StationKind kind))
            {
                kinds.Add(kind);
            }
            else
            {
                ctx.Error(item, wp + ".kinds", $"unknown station kind '{name}'; expected weather, water-level, fire or camera-trap");
            }
        }

        if (unitScope)
        {
            foreach (string key in StationScopeKeys.Where(k => map.Children.ContainsKey(new YamlScalarNode(k))))
            {
                ctx.Error(map.Children[new YamlScalarNode(key)], $"{wp}.{key}", $"a rule about hazard units (units, hazards) watches the units' own rain gauges; remove '{key}' (sites may narrow it)");
            }
        }
        else if (kinds.Count == 0 && !map.Children.ContainsKey(new YamlScalarNode("kinds")))
        {
            ctx.Error(map, wp + ".kinds", "missing required field 'kinds' (or, for geohazard rules, 'units' and/or 'hazards')");
        }

        HashSet<string> Set(string key, Func<string, bool> known, string what)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach ((YamlNode item, string value) in ctx.ScalarList(map, key, wp))
            {
                if (registry is not null && !known(value))
                {
                    ctx.Error(item, $"{wp}.{key}", $"unknown {what} '{value}' (not in the station registry)");
                }

                set.Add(value);
            }

            return set;
        }

        HashSet<string> stations = Set("stations", v => registry!.TryGet(v, out _), "station");
        HashSet<string> sites = Set("sites", v => registry!.Sites.ContainsKey(v), "site");
        HashSet<string> watersheds = Set("watersheds", v => registry!.Stations.Any(s => s.Watershed == v), "watershed");
        HashSet<string> zones = Set("zones", v => v is "core" or "buffer" or "experimental", "zone");
        HashSet<string> units = Set("units", v => registry!.HazardUnit(v) is not null, "hazard unit");
        var hazards = new HashSet<HazardUnitKind>();
        foreach ((YamlNode item, string name) in ctx.ScalarList(map, "hazards", wp))
        {
            switch (name)
            {
                case "debris-flow": hazards.Add(HazardUnitKind.DebrisFlow); break;
                case "landslide": hazards.Add(HazardUnitKind.Landslide); break;
                default: ctx.Error(item, wp + ".hazards", $"unknown hazard kind '{name}'; expected debris-flow or landslide"); break;
            }
        }

        if (unitScope && units.Count == 0 && hazards.Count == 0)
        {
            ctx.Error(map, wp, "name the hazard units (units: [...]) or hazard kinds (hazards: [debris-flow, landslide]) the rule watches");
        }

        return new RuleScope(kinds, stations, sites, watersheds, zones) { Units = units, HazardKinds = hazards };
    }

    private static Condition? ReadCondition(YamlContext ctx, YamlNode node, string path, RuleScope scope, RuleReading reading)
    {
        if (node is not YamlMappingNode map || map.Children.Count != 1 || map.Children.First().Key is not YamlScalarNode { Value: { } type })
        {
            ctx.Error(node, path, "expected one condition: a mapping with one key (threshold, sum, mean, max, min, rate, sustained, absence, event, sequence_gap, quality, watershed_alert, geohazard, all, any)");
            return null;
        }

        YamlNode body = map.Children.First().Value;
        string cp = $"{path}.{type}";
        Condition? condition = type switch
        {
            "threshold" => ReadValue(ctx, body, cp, scope, Aggregate.Latest),
            "sum" => ReadValue(ctx, body, cp, scope, Aggregate.Sum),
            "mean" => ReadValue(ctx, body, cp, scope, Aggregate.Mean),
            "max" => ReadValue(ctx, body, cp, scope, Aggregate.Max),
            "min" => ReadValue(ctx, body, cp, scope, Aggregate.Min),
            "rate" => ReadRate(ctx, body, cp, scope),
            "sustained" => ReadSustained(ctx, body, cp, scope, reading),
            "absence" => ReadAbsence(ctx, body, cp),
            "event" => ReadEvent(ctx, body, cp, scope),
            "sequence_gap" => ReadGap(ctx, body, cp),
            "quality" => ReadQuality(ctx, body, cp, scope),
            "watershed_alert" => ReadWatershedAlert(ctx, body, cp, scope, reading),
            "geohazard" => ReadGeohazard(ctx, body, cp, scope),
            "all" or "any" => ReadList(ctx, body, cp, scope, type == "all", reading),
            _ => FailRef<Condition>(ctx, map.Children.First().Key, path, $"unknown condition '{type}'; expected threshold, sum, mean, max, min, rate, sustained, absence, event, sequence_gap, quality, watershed_alert, geohazard, all or any"),
        };
        if (condition is not null && scope.IsUnitScope && condition is not (GeohazardCondition or AllCondition or AnyCondition))
        {
            ctx.Error(map, path, $"a rule about hazard units (watch: units / hazards) can only use geohazard conditions (and all / any of them), not '{type}'");
            return null;
        }

        if (condition is not null)
        {
            condition.Id = reading.NextId++;
        }

        return condition;
    }

    private static ValueCondition? ReadValue(YamlContext ctx, YamlNode body, string path, RuleScope scope, Aggregate aggregate)
    {
        if (Mapping(ctx, body, path) is not { } map)
        {
            return null;
        }

        bool windowed = aggregate != Aggregate.Latest;
        ctx.CheckKeys(map, path, windowed ? ["field", "window", "at_least", "at_most", "deadband"] : ["field", "at_least", "at_most", "deadband"]);
        string? field = ReadField(ctx, map, path, scope);
        TimeSpan window = windowed ? ctx.RequiredDuration(map, "window", path) ?? TimeSpan.Zero : TimeSpan.Zero;
        YamlNode? atLeast = ctx.Child(map, "at_least", path, required: false);
        YamlNode? atMost = ctx.Child(map, "at_most", path, required: false);
        if ((atLeast is null) == (atMost is null))
        {
            ctx.Error(map, path, "give exactly one of 'at_least' and 'at_most'");
            return null;
        }

        Bound? bound = ReadBound(ctx, atLeast ?? atMost!, path + (atLeast is not null ? ".at_least" : ".at_most"));
        double deadband = ctx.Number(map, "deadband", path, required: false, 0, 1e6) ?? 0;
        return field is null || bound is null || (windowed && window <= TimeSpan.Zero) ? null : new ValueCondition(field, aggregate, window, bound, atLeast is not null, deadband);
    }

    private static RateCondition? ReadRate(YamlContext ctx, YamlNode body, string path, RuleScope scope)
    {
        if (Mapping(ctx, body, path) is not { } map)
        {
            return null;
        }

        ctx.CheckKeys(map, path, ["field", "window", "rise_at_least", "fall_at_least"]);
        string? field = ReadField(ctx, map, path, scope);
        TimeSpan? window = ctx.RequiredDuration(map, "window", path);
        double? rise = ctx.Number(map, "rise_at_least", path, required: false, 1e-9, 1e6);
        double? fall = ctx.Number(map, "fall_at_least", path, required: false, 1e-9, 1e6);
        if ((rise is null) == (fall is null))
        {
            ctx.Error(map, path, "give exactly one of 'rise_at_least' and 'fall_at_least' (per hour)");
            return null;
        }

        return field is null || window is null ? null : new RateCondition(field, window.Value, rise ?? fall!.Value, rise is not null);
    }

    private static SustainedCondition? ReadSustained(YamlContext ctx, YamlNode body, string path, RuleScope scope, RuleReading reading)
    {
        if (Mapping(ctx, body, path) is not { } map)
        {
            return null;
        }

        ctx.CheckKeys(map, path, ["for", "when"]);
        TimeSpan? duration = ctx.RequiredDuration(map, "for", path);
        Condition? inner = ctx.Child(map, "when", path, required: true) is { } when ? ReadCondition(ctx, when, path + ".when", scope, reading) : null;
        return inner is null || duration is null ? null : new SustainedCondition(inner, duration.Value);
    }

    private static AbsenceCondition? ReadAbsence(YamlContext ctx, YamlNode body, string path)
    {
        if (Mapping(ctx, body, path) is not { } map)
        {
            return null;
        }

        ctx.CheckKeys(map, path, ["for"]);
        TimeSpan? duration = ctx.RequiredDuration(map, "for", path);
        return duration is null ? null : new AbsenceCondition(duration.Value);
    }

    private static EventCondition? ReadEvent(YamlContext ctx, YamlNode body, string path, RuleScope scope)
    {
        if (Mapping(ctx, body, path) is not { } map)
        {
            return null;
        }

        ctx.CheckKeys(map, path, ["type", "species", "detections", "min_confidence", "zones", "local_hours", "within"]);
        string? type = ctx.RequiredString(map, "type", path);
        if (type is not null and not ("detection" or "fire"))
        {
            ctx.Error(map.Children[new YamlScalarNode("type")], path + ".type", $"unknown event type '{type}'; expected detection (camera trap) or fire");
            return null;
        }

        StationKind needed = type == "fire" ? StationKind.Fire : StationKind.CameraTrap;
        if (type is not null && !scope.Kinds.Contains(needed))
        {
            ctx.Error(map, path + ".type", $"'{type}' events come from {needed.ToWireName()} stations, which the rule does not watch");
        }

        var subjects = new HashSet<string>(StringComparer.Ordinal);
        foreach ((YamlNode item, string value) in ctx.ScalarList(map, type == "fire" ? "detections" : "species", path))
        {
            if (type == "fire" && value is not ("smoke" or "flame"))
            {
                ctx.Error(item, path + ".detections", $"unknown fire detection '{value}'; expected smoke or flame");
            }

            subjects.Add(value);
        }

        if (type == "fire" && map.Children.ContainsKey(new YamlScalarNode("species")))
        {
            ctx.Error(map, path + ".species", "fire events have 'detections' (smoke, flame), not species");
        }

        double confidence = ctx.Number(map, "min_confidence", path, required: false, 0, 1) ?? 0;
        var zones = ctx.ScalarList(map, "zones", path).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        (int, int)? hours = null;
        if (ctx.OptionalString(map, "local_hours", path) is { } text)
        {
            Match m = HourRange().Match(text);
            if (m.Success && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) is int from and <= 23 && int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) is int to and <= 24 && from != to)
            {
                hours = (from, to);
            }
            else
            {
                ctx.Error(map.Children[new YamlScalarNode("local_hours")], path + ".local_hours", $"'{text}' is not an hour range like '19-06' (Beijing time; wraps midnight)");
            }
        }

        TimeSpan? within = ctx.RequiredDuration(map, "within", path);
        return type is null || within is null ? null : new EventCondition(type, subjects, confidence, zones, hours, within.Value);
    }

    private static bool ReadDoubtful(YamlContext ctx, YamlNode node, string path)
    {
        switch ((node as YamlScalarNode)?.Value)
        {
            case "count": return true;
            case "ignore": return false;
            default:
                ctx.Error(node, path, $"'{(node as YamlScalarNode)?.Value}' is not a choice for doubtful readings; expected ignore (the default: they are shown, they do not raise) or count");
                return false;
        }
    }

    private static QualityCondition? ReadQuality(YamlContext ctx, YamlNode body, string path, RuleScope scope)
    {
        if (Mapping(ctx, body, path) is not { } map)
        {
            return null;
        }

        ctx.CheckKeys(map, path, ["check", "field"]);
        string? name = ctx.RequiredString(map, "check", path);
        QualityChecks check = QualityChecks.None;
        if (name is not null && !QualityFlags.TryParseCheck(name, out check))
        {
            ctx.Error(map.Children[new YamlScalarNode("check")], path + ".check", $"unknown quality check '{name}'; expected one of {string.Join(", ", QualityFlags.CheckNames)}");
            return null;
        }

        string? field = map.Children.ContainsKey(new YamlScalarNode("field")) ? ReadField(ctx, map, path, scope) : null;
        if (map.Children.ContainsKey(new YamlScalarNode("field")) && field is null)
        {
            return null;
        }

        return check == QualityChecks.None ? null : new QualityCondition(check, field);
    }

    private static WatershedAlertCondition? ReadWatershedAlert(YamlContext ctx, YamlNode body, string path, RuleScope scope, RuleReading reading)
    {
        if (Mapping(ctx, body, path) is not { } map)
        {
            return null;
        }

        ctx.CheckKeys(map, path, ["rule", "at_least"]);
        string? rule = ctx.RequiredString(map, "rule", path);
        if (rule is not null && !RuleId().IsMatch(rule))
        {
            ctx.Error(map.Children[new YamlScalarNode("rule")], path + ".rule", $"'{rule}' is not a rule id ([a-z0-9][a-z0-9-]{{0,63}})");
            rule = null;
        }

        string severityName = ctx.OptionalString(map, "at_least", path) ?? "info";
        if (!SeverityNames.TryParse(severityName, out Severity severity) || severity == Severity.None)
        {
            ctx.Error(map.Children[new YamlScalarNode("at_least")], path + ".at_least", $"unknown severity '{severityName}'; expected info, blue, yellow, orange or red");
            return null;
        }

        if (scope.Kinds.Contains(StationKind.CameraTrap) || scope.Kinds.Contains(StationKind.Fire))
        {
            ctx.Error(map, path, "only stations with a watershed (gauges, weather stations) can have a watershed alert: watch weather or water-level kinds");
        }

        if (rule is null)
        {
            return null;
        }

        reading.References.Add((map.Children[new YamlScalarNode("rule")], path + ".rule", rule));
        return new WatershedAlertCondition(rule, severity);
    }

    /// <summary>
    /// <c>geohazard: {curve: {a, b} | combined: {rain_mm, intensity_mm_h}, rain: event | effective, fraction}</c>
    /// (docs/geohazard.md); only in rules that watch hazard units.
    /// </summary>
    private static GeohazardCondition? ReadGeohazard(YamlContext ctx, YamlNode body, string path, RuleScope scope)
    {
        if (Mapping(ctx, body, path) is not { } map)
        {
            return null;
        }

        if (!scope.IsUnitScope)
        {
            ctx.Error(map, path, "a geohazard condition judges a hazard unit's rain gauges: the rule must watch units (watch: {units: [...]}) or hazards (watch: {hazards: [debris-flow]})");
            return null;
        }

        int before = ctx.Errors.Count;
        ctx.CheckKeys(map, path, ["curve", "combined", "rain", "fraction"]);
        bool curve = map.Children.ContainsKey(new YamlScalarNode("curve")), combined = map.Children.ContainsKey(new YamlScalarNode("combined"));
        if (curve == combined)
        {
            ctx.Error(map, path, "give exactly one of 'curve: {a, b}' (intensity-duration, I = a·D^b) and 'combined: {rain_mm, intensity_mm_h}' (R and maximum hourly intensity)");
            return null;
        }

        GeohazardRain rain = curve ? GeohazardRain.Event : GeohazardRain.Effective;
        if (ctx.OptionalString(map, "rain", path) is { } rainText)
        {
            switch (rainText)
            {
                case "event": rain = GeohazardRain.Event; break;
                case "effective": rain = GeohazardRain.Effective; break;
                default: ctx.Error(map.Children[new YamlScalarNode("rain")], path + ".rain", $"'{rainText}' is not a rain; expected event (R) or effective (P_a + R)"); break;
            }
        }

        double fraction = ctx.Number(map, "fraction", path, required: false, min: 0.05, max: 10) ?? 1;
        YamlNode inner = map.Children[new YamlScalarNode(curve ? "curve" : "combined")];
        string ip = path + (curve ? ".curve" : ".combined");
        if (Mapping(ctx, inner, ip) is not { } form)
        {
            return null;
        }

        if (curve)
        {
            ctx.CheckKeys(form, ip, ["a", "b"]);
            double? a = ctx.Number(form, "a", ip, required: true, min: 0.001, max: 10_000);
            double? b = ctx.Number(form, "b", ip, required: true, min: -3, max: 0);
            return ctx.Errors.Count > before || a is null || b is null ? null : GeohazardCondition.Curve(a.Value, b.Value, rain, fraction);
        }

        ctx.CheckKeys(form, ip, ["rain_mm", "intensity_mm_h"]);
        double? r0 = ctx.Number(form, "rain_mm", ip, required: true, min: 0.1, max: 5000);
        double? i0 = ctx.Number(form, "intensity_mm_h", ip, required: true, min: 0.1, max: 500);
        return ctx.Errors.Count > before || r0 is null || i0 is null ? null : GeohazardCondition.Combined(r0.Value, i0.Value, rain, fraction);
    }

    private static SequenceGapCondition? ReadGap(YamlContext ctx, YamlNode body, string path)
    {
        if (Mapping(ctx, body, path) is not { } map)
        {
            return null;
        }

        ctx.CheckKeys(map, path, ["within", "min_missing"]);
        TimeSpan? within = ctx.RequiredDuration(map, "within", path);
        double missing = ctx.Number(map, "min_missing", path, required: false, 1, 1e9) ?? 1;
        return within is null ? null : new SequenceGapCondition(within.Value, (long)missing);
    }

    private static Condition? ReadList(YamlContext ctx, YamlNode body, string path, RuleScope scope, bool all, RuleReading reading)
    {
        if (body is not YamlSequenceNode { Children.Count: > 0 } list)
        {
            ctx.Error(body, path, "expected a non-empty list of conditions");
            return null;
        }

        var conditions = new List<Condition>();
        for (int i = 0; i < list.Children.Count; i++)
        {
            if (ReadCondition(ctx, list.Children[i], $"{path}[{i}]", scope, reading) is { } c)
            {
                conditions.Add(c);
            }
        }

        return conditions.Count != list.Children.Count ? null : all ? new AllCondition(conditions) : new AnyCondition(conditions);
    }

    private static string? ReadField(YamlContext ctx, YamlMappingNode map, string path, RuleScope scope)
    {
        string? field = ctx.RequiredString(map, "field", path);
        if (field is null)
        {
            return null;
        }

        bool known = StatusFields.Contains(field)
            || (DerivedFields.Contains(field) && scope.Kinds.All(k => k is StationKind.Weather or StationKind.Fire))
            || scope.Kinds.All(k => FieldSpecs.TelemetryFor(k).ContainsKey(field));
        if (!known)
        {
            string fields = string.Join(", ", scope.Kinds.SelectMany(k => FieldSpecs.TelemetryFor(k).Keys).Concat(StatusFields).Distinct().Order(StringComparer.Ordinal));
            ctx.Error(map.Children[new YamlScalarNode("field")], path + ".field", $"unknown field '{field}' for {string.Join(", ", scope.Kinds.Select(k => k.ToWireName()))} stations; known: {fields}{(scope.Kinds.All(k => k is StationKind.Weather or StationKind.Fire) ? ", " + string.Join(", ", DerivedFields) : string.Empty)}");
            return null;
        }

        return field;
    }

    private static Bound? ReadBound(YamlContext ctx, YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: { } text })
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
            {
                return new Bound(value, null, 0);
            }

            ctx.Error(node, path, $"'{text}' is not a number (or a mapping {{registry: warning_level_m, offset: 0.5}})");
            return null;
        }

        if (node is not YamlMappingNode map)
        {
            ctx.Error(node, path, "expected a number or a mapping {registry: ..., offset: ...}");
            return null;
        }

        ctx.CheckKeys(map, path, ["registry", "offset"]);
        string? registry = ctx.RequiredString(map, "registry", path);
        if (registry is not null && !Bound.RegistryFields.Contains(registry))
        {
            ctx.Error(map.Children[new YamlScalarNode("registry")], path + ".registry", $"unknown registry level '{registry}'; expected {string.Join(" or ", Bound.RegistryFields)}");
            return null;
        }

        double offset = ctx.Number(map, "offset", path, required: false, -1e6, 1e6) ?? 0;
        return registry is null ? null : new Bound(null, registry, offset);
    }

    /// <summary>
    /// <c>stale_after: 30m | off</c> (default by audience and category, <see cref="Rule.DefaultStaleHorizon"/>) and
    /// <c>lost_contact: true | false</c> (default false; only for emergency rules that go stale).
    /// </summary>
    private static (TimeSpan? StaleAfter, bool LostContact) ReadStale(YamlContext ctx, YamlMappingNode node, string path, Audience? audience, string category, List<RuleLevel> levels)
    {
        TimeSpan? staleAfter = null;
        bool absence = levels.Any(l => l.Condition.SelfAndDescendants().Any(c => c is AbsenceCondition));
        if (ctx.Child(node, "stale_after", path, required: false) is { } child)
        {
            staleAfter = child is YamlScalarNode { Value: "off" } ? TimeSpan.Zero : ctx.Duration(child, path + ".stale_after");
            if (absence && staleAfter > TimeSpan.Zero)
            {
                ctx.Error(child, path + ".stale_after", "a rule about silence (absence) cannot go stale; remove stale_after");
            }
        }

        bool lostContact = ReadBool(ctx, node, "lost_contact", path, false);
        if (lostContact)
        {
            YamlNode at = node.Children[new YamlScalarNode("lost_contact")];
            bool stales = !absence && staleAfter switch { { } s => s > TimeSpan.Zero, null => audience is { } a && Rule.DefaultStaleHorizon(a, category) is not null };
            if (audience is not null and not Audience.Emergency)
            {
                ctx.Error(at, path + ".lost_contact", "lost contact is told to the duty room: only for audience emergency");
            }
            else if (!stales)
            {
                ctx.Error(at, path + ".lost_contact", "needs the alert to go stale: set stale_after (this rule has no default horizon, or it is off)");
            }
        }

        return (staleAfter, lostContact);
    }

    private static bool ReadBool(YamlContext ctx, YamlMappingNode node, string key, string path, bool fallback)
    {
        if (ctx.Child(node, key, path, required: false) is not { } child)
        {
            return fallback;
        }

        if (child is YamlScalarNode { Value: "true" or "false" } scalar)
        {
            return scalar.Value == "true";
        }

        ctx.Error(child, $"{path}.{key}", "expected true or false");
        return fallback;
    }

    private static YamlMappingNode? Mapping(YamlContext ctx, YamlNode node, string path)
    {
        if (node is YamlMappingNode map)
        {
            return map;
        }

        ctx.Error(node, path, "expected a mapping");
        return null;
    }

    private static T? Fail<T>(YamlContext ctx, YamlNode node, string field, string message)
        where T : struct
    {
        ctx.Error(node, field, message);
        return null;
    }

    private static T? FailRef<T>(YamlContext ctx, YamlNode node, string field, string message)
        where T : class
    {
        ctx.Error(node, field, message);
        return null;
    }

    /// <summary>
    /// What reading one rule collects besides the rule: the id of its next condition, and each rule a
    /// <c>watershed_alert</c> names with the node it was read from (checked once every file is read).
    /// </summary>
    private sealed class RuleReading
    {
        public int NextId { get; set; }

        public List<(YamlNode Node, string Field, string RuleId)> References { get; } = [];
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex RuleId();


    [GeneratedRegex(@"^(\d{1,2})-(\d{1,2})$")]
    private static partial Regex HourRange();

    /// <summary>A scientific name: Genus species, optionally a subspecies.</summary>
    [GeneratedRegex("^[A-Z][a-z]+ [a-z][a-z-]+( [a-z][a-z-]+)?$")]
    private static partial Regex ScientificName();
}
