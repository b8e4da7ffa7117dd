using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Time;

namespace GardenCity.Monitoring.Alerting.Duty.Escalation;

/// <summary>
/// One tier of an escalation policy: when the alert is still unacknowledged <see cref="After"/> after the previous tier
/// was notified, these channels and recipients are told. Tier 1 is always the routes of <c>GardenCity:Duty:Routes</c>
/// (told at once); a policy's first listed tier is tier 2.
/// </summary>
/// <param name="Number">2, 3, …</param>
/// <param name="Name">What people call the tier (镇值班员, 区应急局).</param>
/// <param name="After">Unacknowledged time after the previous tier.</param>
/// <param name="Channels">Channel names of <c>GardenCity:Duty:Channels</c>.</param>
/// <param name="Recipients">Recipient names of <c>GardenCity:Duty:Recipients</c>, or <c>rota:{id}</c>: whoever is on duty when the tier fires.</param>
internal sealed record EscalationTier(int Number, string Name, TimeSpan After, IReadOnlyList<string> Channels, IReadOnlyList<string> Recipients)
{
    /// <summary>The prefix of a rota reference among the recipients.</summary>
    public const string RotaPrefix = "rota:";
}

/// <summary>An escalation policy: which alerts it takes (audiences, lowest severity, optionally rules, sites, watersheds) and its tiers.</summary>
internal sealed record EscalationPolicy(
    string Id,
    string Source,
    IReadOnlySet<Audience> Audiences,
    Severity MinSeverity,
    IReadOnlySet<string> Rules,
    IReadOnlySet<string> Sites,
    IReadOnlySet<string> Watersheds,
    IReadOnlyList<EscalationTier> Tiers)
{
    /// <summary>Whether the policy takes an alert at its current severity.</summary>
    public bool Matches(AlertNotification n) =>
        Audiences.Contains(n.Audience)
        && n.Severity >= MinSeverity
        && (Rules.Count == 0 || Rules.Contains(n.RuleId))
        && (Sites.Count == 0 || Sites.Contains(n.Site))
        && (Watersheds.Count == 0 || (n.Watershed is { } w && Watersheds.Contains(w)));
}

/// <summary>One shift of a weekly rota, in Beijing time: starts on each of <see cref="Days"/> at <see cref="From"/> and lasts <see cref="Length"/> (at most a day, so a night shift ends the next morning).</summary>
internal sealed record RotaShift(IReadOnlySet<DayOfWeek> Days, TimeSpan From, TimeSpan Length, IReadOnlyList<string> OnDuty);

/// <summary>A dated change to a rota (a holiday, a swap): from–until, in Beijing time, wins over the weekly schedule.</summary>
internal sealed record RotaOverride(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<string> OnDuty, string? Reason);

/// <summary>
/// An on-call rota: a weekly schedule in Beijing time with dated overrides and an optional fallback. Pure: who is on
/// duty at an instant depends only on the instant.
/// </summary>
internal sealed record Rota(string Id, IReadOnlyList<RotaShift> Weekly, IReadOnlyList<RotaOverride> Overrides, IReadOnlyList<string> Fallback)
{
    /// <summary>Who is on duty at <paramref name="at"/>: the first override in force, else every shift in force (in file order), else the fallback; may be empty.</summary>
    public IReadOnlyList<string> OnDutyAt(DateTimeOffset at)
    {
        foreach (RotaOverride o in Overrides)
        {
            if (o.From <= at && at < o.To)
            {
                return o.OnDuty;
            }
        }

        List<string> people = ShiftsAt(at);
        return people.Count > 0 ? people : Fallback;
    }

    /// <summary>The people of the weekly shifts in force at an instant.</summary>
    public List<string> ShiftsAt(DateTimeOffset at)
    {
        DateTimeOffset local = at.ToBeijingTime();
        var people = new List<string>();
        foreach (RotaShift shift in Weekly)
        {
            for (int back = 0; back <= 1; back++) // a shift lasts at most a day: it started today or yesterday
            {
                DateTime day = local.Date.AddDays(-back);
                var start = new DateTimeOffset(day + shift.From, BeijingTime.Offset);
                if (shift.Days.Contains(day.DayOfWeek) && start <= local && local < start + shift.Length)
                {
                    people.AddRange(shift.OnDuty.Where(p => !people.Contains(p)));
                }
            }
        }

        return people;
    }
}

/// <summary>The escalation policies and rotas of one file, as loaded and validated by <see cref="EscalationFileLoader"/>.</summary>
internal sealed record EscalationPolicySet(IReadOnlyList<EscalationPolicy> Policies, IReadOnlyDictionary<string, Rota> Rotas, string File)
{
    /// <summary>No escalation.</summary>
    public static EscalationPolicySet Empty { get; } = new([], new Dictionary<string, Rota>(), string.Empty);

    /// <summary>The first policy (in file order) that takes the alert, or null.</summary>
    public EscalationPolicy? Match(AlertNotification n) => Policies.FirstOrDefault(p => p.Matches(n));

    /// <summary>A policy by id.</summary>
    public EscalationPolicy? Find(string id) => Policies.FirstOrDefault(p => p.Id == id);

    /// <summary>The people a tier reaches at an instant (rotas resolved), in order, once each; and the rotas that had nobody on duty.</summary>
    public (IReadOnlyList<string> People, IReadOnlyList<string> EmptyRotas) Resolve(EscalationTier tier, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(tier);
        var people = new List<string>();
        var empty = new List<string>();
        foreach (string r in tier.Recipients)
        {
            IReadOnlyList<string> names = r.StartsWith(EscalationTier.RotaPrefix, StringComparison.Ordinal)
                ? Rotas.TryGetValue(r[EscalationTier.RotaPrefix.Length..], out Rota? rota) ? rota.OnDutyAt(at) : []
                : [r];
            if (names.Count == 0)
            {
                empty.Add(r);
            }

            people.AddRange(names.Where(p => !people.Contains(p)));
        }

        return (people, empty);
    }
}
