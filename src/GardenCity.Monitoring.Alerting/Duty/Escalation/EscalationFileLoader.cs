using System.Globalization;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Time;
using GardenCity.Monitoring.Core.Yaml;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.Alerting.Duty.Escalation;

/// <summary>Thrown when the escalation file cannot be used; lists every problem with file, line, column and field.</summary>
public sealed class EscalationFileException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public EscalationFileException(IReadOnlyList<ConfigFileError> errors)
        : base($"The escalation file is invalid ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}):" + Environment.NewLine
               + string.Join(Environment.NewLine, errors.Select(e => "  " + e))) => Errors = errors;

    /// <summary>Creates an exception with a message.</summary>
    public EscalationFileException(string message)
        : base(message) => Errors = [];

    /// <summary>Creates an exception with a message and a cause.</summary>
    public EscalationFileException(string message, Exception innerException)
        : base(message, innerException) => Errors = [];

    /// <summary>Creates an exception with no details.</summary>
    public EscalationFileException() => Errors = [];

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<ConfigFileError> Errors { get; }
}

/// <summary>
/// Loads the escalation file (<c>GardenCity:Duty:EscalationFile</c>, e.g. <c>deploy/escalation.yaml</c>): on-call rotas
/// and escalation policies (docs/duty-room.md, "Escalation"). A file with any problem is refused whole, every problem
/// named by file, line, column and field, like the rule files. With the duty options given, channel and recipient names
/// are checked against them, and SMS and email tiers against the people's numbers and addresses.
/// </summary>
internal static partial class EscalationFileLoader
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    /// <summary>Loads a file.</summary>
    public static EscalationPolicySet LoadFile(string path, DutyOptions? duty)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EscalationFileException([new ConfigFileError(path, 0, 0, "(file)",
                $"cannot read the escalation file ({ex.Message}); point GardenCity:Duty:EscalationFile at it (e.g. deploy/escalation.yaml) or leave the setting empty for no escalation")]);
        }

        return Load(text, path, duty);
    }

    /// <summary>Loads YAML text; <paramref name="file"/> is used in messages.</summary>
    public static EscalationPolicySet Load(string text, string file, DutyOptions? duty)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ctx = new YamlContext(file);
        var stream = new YamlStream();
        if (YamlSyntax.TryLoad(stream, text, file) is { } syntax)
        {
            throw new EscalationFileException([syntax]);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new EscalationFileException([new ConfigFileError(file, 1, 1, "(root)", "expected one YAML document with 'policies:' (and optionally 'rotas:') at the top")]);
        }

        ctx.CheckKeys(root, "(root)", ["rotas", "policies"]);
        var rotas = new Dictionary<string, Rota>(StringComparer.Ordinal);
        if (root.Children.ContainsKey(new YamlScalarNode("rotas")))
        {
            foreach ((YamlMappingNode node, string path) in ctx.Items(root, "rotas"))
            {
                // A rota with problems still has its id: policies naming it are not reported as well.
                Rota rota = ReadRota(ctx, node, path, duty);
                if (rota.Id.Length > 0 && !rotas.TryAdd(rota.Id, rota))
                {
                    ctx.Error(node, path + ".id", $"duplicate rota id '{rota.Id}'");
                }
            }
        }

        var policies = new List<EscalationPolicy>();
        foreach ((YamlMappingNode node, string path) in ctx.Items(root, "policies"))
        {
            if (ReadPolicy(ctx, node, path, rotas, duty) is { } policy)
            {
                if (policies.Exists(p => p.Id == policy.Id))
                {
                    ctx.Error(node, path + ".id", $"duplicate policy id '{policy.Id}'");
                }

                policies.Add(policy);
            }
        }

        if (ctx.Errors.Count > 0)
        {
            throw new EscalationFileException(ctx.Errors);
        }

        return new EscalationPolicySet(policies, rotas, file);
    }

    private static Rota ReadRota(YamlContext ctx, YamlMappingNode node, string path, DutyOptions? duty)
    {
        ctx.CheckKeys(node, path, ["id", "name", "weekly", "overrides", "default"]);
        int before = ctx.Errors.Count;
        string? id = ctx.RequiredString(node, "id", path);
        if (id is not null && !Id().IsMatch(id))
        {
            ctx.Error(node.Children[new YamlScalarNode("id")], path + ".id", $"'{id}' is not an id ([a-z0-9][a-z0-9-]{{0,39}})");
        }

        path = id is null ? path : $"{path}({id})";
        _ = ctx.OptionalString(node, "name", path);
        var weekly = new List<RotaShift>();
        if (node.Children.ContainsKey(new YamlScalarNode("weekly")))
        {
            foreach ((YamlMappingNode shift, string sp) in ctx.Items(node, "weekly"))
            {
                string at = $"{path}.{sp}";
                ctx.CheckKeys(shift, at, ["days", "from", "to", "on_duty"]);
                HashSet<DayOfWeek> days = ReadDays(ctx, shift, at);
                TimeSpan? from = ReadTimeOfDay(ctx, shift, "from", at);
                TimeSpan? to = ReadTimeOfDay(ctx, shift, "to", at);
                List<string> people = ReadPeople(ctx, shift, "on_duty", at, duty, required: true);
                if (from is { } f && to is { } t && days.Count > 0)
                {
                    weekly.Add(new RotaShift(days, f, t > f ? t - f : TimeSpan.FromDays(1) - f + t, people));
                }
            }
        }

        var overrides = new List<RotaOverride>();
        if (node.Children.ContainsKey(new YamlScalarNode("overrides")))
        {
            foreach ((YamlMappingNode o, string op) in ctx.Items(node, "overrides"))
            {
                string at = $"{path}.{op}";
                ctx.CheckKeys(o, at, ["from", "to", "on_duty", "reason"]);
                DateTimeOffset? from = ReadLocalTime(ctx, o, "from", at);
                DateTimeOffset? to = ReadLocalTime(ctx, o, "to", at);
                List<string> people = ReadPeople(ctx, o, "on_duty", at, duty, required: true);
                string? reason = ctx.OptionalString(o, "reason", at);
                if (from is { } f && to is { } t)
                {
                    if (t <= f)
                    {
                        ctx.Error(o.Children[new YamlScalarNode("to")], at + ".to", "'to' must be after 'from'");
                    }

                    overrides.Add(new RotaOverride(f, t, people, reason));
                }
            }
        }

        List<string> fallback = ReadPeople(ctx, node, "default", path, duty, required: false);
        if (weekly.Count == 0 && fallback.Count == 0 && ctx.Errors.Count == before)
        {
            ctx.Error(node, path + ".weekly", "a rota needs a weekly schedule or a default (who is on duty when no shift is)");
        }

        var rota = new Rota(id ?? string.Empty, weekly, overrides, fallback);
        if (fallback.Count == 0 && weekly.Count > 0 && ctx.Errors.Count == before && FirstGap(rota) is { } gap)
        {
            ctx.Error(node, path + ".weekly", $"nobody is on duty {gap} (Beijing time); add a shift or a 'default:' so that escalations to this rota always reach someone");
        }

        return rota;
    }

    /// <summary>The first minute of a week no shift covers, as "Tuesday 17:30-18:00"; null when the week is covered.</summary>
    private static string? FirstGap(Rota rota)
    {
        var monday = new DateTimeOffset(2024, 1, 1, 0, 0, 0, BeijingTime.Offset); // a Monday
        for (int minute = 0; minute < 7 * 24 * 60; minute++)
        {
            DateTimeOffset at = monday.AddMinutes(minute);
            if (rota.ShiftsAt(at).Count > 0)
            {
                continue;
            }

            int end = minute;
            while (end < 7 * 24 * 60 && rota.ShiftsAt(monday.AddMinutes(end)).Count == 0)
            {
                end++;
            }

            return $"{at.DayOfWeek} {at:HH\\:mm}-{monday.AddMinutes(end):HH\\:mm}";
        }

        return null;
    }

    private static EscalationPolicy? ReadPolicy(YamlContext ctx, YamlMappingNode node, string path, Dictionary<string, Rota> rotas, DutyOptions? duty)
    {
        ctx.CheckKeys(node, path, ["id", "audiences", "min_severity", "rules", "sites", "watersheds", "tiers"]);
        int before = ctx.Errors.Count;
        string? id = ctx.RequiredString(node, "id", path);
        if (id is not null && !Id().IsMatch(id))
        {
            ctx.Error(node.Children[new YamlScalarNode("id")], path + ".id", $"'{id}' is not an id ([a-z0-9][a-z0-9-]{{0,39}})");
        }

        path = id is null ? path : $"{path}({id})";
        var audiences = new HashSet<Audience>();
        foreach ((YamlNode item, string name) in ctx.ScalarList(node, "audiences", path, required: true))
        {
            if (Enum.TryParse(name, ignoreCase: true, out Audience a) && name.All(char.IsLower))
            {
                audiences.Add(a);
            }
            else
            {
                ctx.Error(item, path + ".audiences", $"unknown audience '{name}'; expected emergency, ecology or maintenance");
            }
        }

        Severity min = Severity.Blue;
        if (ctx.OptionalString(node, "min_severity", path) is { } severity && !SeverityNames.TryParse(severity, out min))
        {
            ctx.Error(node.Children[new YamlScalarNode("min_severity")], path + ".min_severity", $"unknown severity '{severity}'; expected info, blue, yellow, orange or red");
        }

        HashSet<string> Set(string key) => ctx.ScalarList(node, key, path, required: false).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        HashSet<string> rules = Set("rules"), sites = Set("sites"), watersheds = Set("watersheds");
        var tiers = new List<EscalationTier>();
        foreach ((YamlMappingNode tier, string tp) in ctx.Items(node, "tiers"))
        {
            string at = $"{path}.{tp}";
            ctx.CheckKeys(tier, at, ["name", "after", "channels", "recipients"]);
            string? name = ctx.RequiredString(tier, "name", at);
            TimeSpan? after = ctx.RequiredDuration(tier, "after", at); // unacknowledged this long after the previous tier

            var channels = new List<string>();
            foreach ((YamlNode item, string channel) in ctx.ScalarList(tier, "channels", at, required: true))
            {
                if (duty is not null && !duty.Channels.Exists(c => c.Name == channel))
                {
                    ctx.Error(item, at + ".channels", $"'{channel}' is not a channel; channels are listed under GardenCity:Duty:Channels ({string.Join(", ", duty.Channels.Select(c => c.Name))})");
                }

                channels.Add(channel);
            }

            var recipients = new List<string>();
            foreach ((YamlNode item, string r) in ctx.ScalarList(tier, "recipients", at, required: false))
            {
                if (r.StartsWith(EscalationTier.RotaPrefix, StringComparison.Ordinal))
                {
                    if (!rotas.ContainsKey(r[EscalationTier.RotaPrefix.Length..]))
                    {
                        ctx.Error(item, at + ".recipients", $"'{r}' names no rota of this file; rotas: {(rotas.Count == 0 ? "(none)" : string.Join(", ", rotas.Keys))}");
                    }
                }
                else
                {
                    CheckPerson(ctx, item, at + ".recipients", r, duty);
                }

                recipients.Add(r);
            }

            CheckReach(ctx, tier, at, channels, recipients, rotas, duty);
            if (name is not null && after is not null)
            {
                tiers.Add(new EscalationTier(tiers.Count + 2, name, after.Value, channels, recipients));
            }
        }

        if (tiers.Count == 0 && ctx.Errors.Count == before)
        {
            ctx.Error(node, path + ".tiers", "a policy needs at least one tier (tier 1 is the routes of GardenCity:Duty:Routes; the first tier listed here is tier 2)");
        }

        return ctx.Errors.Count == before && id is not null
            ? new EscalationPolicy(id, $"{ctx.File}:{node.Start.Line}", audiences, min, rules, sites, watersheds, tiers)
            : null;
    }

    /// <summary>SMS and email tiers need people with a number and an address, robots need somebody or nobody, every tier someone to tell.</summary>
    private static void CheckReach(YamlContext ctx, YamlMappingNode tier, string at, List<string> channels, List<string> recipients, Dictionary<string, Rota> rotas, DutyOptions? duty)
    {
        if (duty is null)
        {
            return;
        }

        IEnumerable<string> everyone = recipients.SelectMany(r => r.StartsWith(EscalationTier.RotaPrefix, StringComparison.Ordinal)
            ? rotas.TryGetValue(r[EscalationTier.RotaPrefix.Length..], out Rota? rota)
                ? rota.Weekly.SelectMany(s => s.OnDuty).Concat(rota.Overrides.SelectMany(o => o.OnDuty)).Concat(rota.Fallback)
                : []
            : [r]).Distinct(StringComparer.Ordinal);
        foreach (DutyChannelOptions channel in duty.Channels.Where(c => channels.Contains(c.Name)))
        {
            if (channel.Kind is DutyChannelKind.Sms or DutyChannelKind.Email && recipients.Count == 0)
            {
                ctx.Error(tier, at + ".recipients", $"channel '{channel.Name}' ({channel.Kind}) needs recipients");
            }

            foreach (DutyRecipientOptions person in duty.Recipients.Where(p => everyone.Contains(p.Name)))
            {
                if (channel.Kind == DutyChannelKind.Sms && person.Mobile.Length == 0)
                {
                    ctx.Error(tier, at + ".recipients", $"'{person.Name}' has no Mobile for SMS channel '{channel.Name}'; set GardenCity:Duty:Recipients:N:Mobile");
                }
                else if (channel.Kind == DutyChannelKind.Email && person.Email.Length == 0)
                {
                    ctx.Error(tier, at + ".recipients", $"'{person.Name}' has no Email for email channel '{channel.Name}'; set GardenCity:Duty:Recipients:N:Email");
                }
            }
        }
    }

    private static void CheckPerson(YamlContext ctx, YamlNode item, string field, string name, DutyOptions? duty)
    {
        if (duty is not null && !duty.Recipients.Exists(r => r.Name == name))
        {
            ctx.Error(item, field, $"'{name}' is not a recipient; people are listed under GardenCity:Duty:Recipients (a rota is written rota:<id>)");
        }
    }

    private static List<string> ReadPeople(YamlContext ctx, YamlMappingNode node, string key, string path, DutyOptions? duty, bool required)
    {
        if (ctx.Child(node, key, path, required) is not { } child)
        {
            return [];
        }

        var people = new List<string>();
        IEnumerable<YamlNode> items = child is YamlSequenceNode list ? list.Children : [child];
        foreach (YamlNode item in items)
        {
            if (ctx.Scalar(item, $"{path}.{key}") is { } name)
            {
                CheckPerson(ctx, item, $"{path}.{key}", name, duty);
                people.Add(name);
            }
        }

        if (people.Count == 0 && required && child is YamlSequenceNode)
        {
            ctx.Error(child, $"{path}.{key}", "name at least one recipient");
        }

        return people;
    }

    private static HashSet<DayOfWeek> ReadDays(YamlContext ctx, YamlMappingNode node, string path)
    {
        var days = new HashSet<DayOfWeek>();
        if (ctx.Child(node, "days", path, required: true) is not { } child)
        {
            return days;
        }

        if (child is YamlScalarNode { Value: "daily" })
        {
            return [.. Enum.GetValues<DayOfWeek>()];
        }

        IEnumerable<YamlNode> items = child is YamlSequenceNode list ? list.Children : [child];
        foreach (YamlNode item in items)
        {
            int index = Array.IndexOf(DayNames, (item as YamlScalarNode)?.Value);
            if (index < 0)
            {
                ctx.Error(item, path + ".days", $"'{(item as YamlScalarNode)?.Value}' is not a day; expected daily or a list of mon, tue, wed, thu, fri, sat, sun");
            }
            else
            {
                days.Add((DayOfWeek)index);
            }
        }

        return days;
    }

    private static TimeSpan? ReadTimeOfDay(YamlContext ctx, YamlMappingNode node, string key, string path)
    {
        if (ctx.RequiredString(node, key, path) is not { } text)
        {
            return null;
        }

        if (TimeOnly.TryParseExact(text, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly t))
        {
            return t.ToTimeSpan();
        }

        ctx.Error(node.Children[new YamlScalarNode(key)], $"{path}.{key}", $"'{text}' is not a time of day like \"08:30\" (Beijing time, in quotes)");
        return null;
    }

    private static DateTimeOffset? ReadLocalTime(YamlContext ctx, YamlMappingNode node, string key, string path)
    {
        if (ctx.RequiredString(node, key, path) is not { } text)
        {
            return null;
        }

        if (DateTime.TryParseExact(text, ["yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime local))
        {
            return new DateTimeOffset(local, BeijingTime.Offset);
        }

        ctx.Error(node.Children[new YamlScalarNode(key)], $"{path}.{key}", $"'{text}' is not a Beijing time like \"2026-10-01 08:30\"");
        return null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex Id();
}
