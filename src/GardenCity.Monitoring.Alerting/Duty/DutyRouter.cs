using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting.Duty;

/// <summary>
/// Which deliveries an alert change makes under the routes of <see cref="DutyOptions"/>: one per (channel, recipient)
/// for SMS and email, one per channel for robots with the @-mentions of every matching route. Deterministic, so a
/// delivery restored from the outbox after a restart is rebuilt the same way (with the configuration then in force).
/// A target (channel + recipients) is the unit later escalation tiers will address. Thread-safe.
/// </summary>
public sealed class DutyRouter
{
    /// <summary>Transitions a route sends when it lists none.</summary>
    public static readonly IReadOnlySet<Transition> DefaultTransitions = new HashSet<Transition>
    {
        Transition.Raised, Transition.Escalated, Transition.LostContact, Transition.Resolved, Transition.Closed, Transition.Updated,
    };

    private readonly DutyOptions _options;
    private readonly Dictionary<string, IDutyChannel> _channels;
    private readonly Dictionary<string, DutyRecipientOptions> _recipients;

    /// <summary>Creates the router over validated options and the channels built from them.</summary>
    public DutyRouter(DutyOptions options, IEnumerable<IDutyChannel> channels)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _channels = channels.ToDictionary(c => c.Options.Name, StringComparer.Ordinal);
        _recipients = options.Recipients.ToDictionary(r => r.Name, StringComparer.Ordinal);
    }

    /// <summary>Whether a route takes a notification.</summary>
    public static bool Matches(DutyRouteOptions route, AlertNotification n)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(n);
        return route.Audiences.Contains(n.Audience)
            && SeverityNames.TryParse(route.MinSeverity, out Severity min) && DutyMessages.Colour(n) >= min
            && (route.Transitions.Count == 0 ? DefaultTransitions.Contains(n.Transition) : route.Transitions.Contains(n.Transition))
            && (route.Sites.Count == 0 || route.Sites.Contains(n.Site, StringComparer.Ordinal))
            && (route.Watersheds.Count == 0 || (n.Watershed is { } w && route.Watersheds.Contains(w, StringComparer.Ordinal)));
    }

    /// <summary>The deliveries of a notification, in route order.</summary>
    public IReadOnlyList<DutyDelivery> Route(AlertNotification n)
    {
        var deliveries = new List<DutyDelivery>();
        var groupMentions = new Dictionary<string, List<DutyRecipientOptions>>(StringComparer.Ordinal);
        foreach (DutyRouteOptions route in _options.Routes.Where(r => Matches(r, n)))
        {
            List<DutyRecipientOptions> people = route.Recipients.Select(r => _recipients.GetValueOrDefault(r)).OfType<DutyRecipientOptions>().ToList();
            foreach (string name in route.Channels)
            {
                if (!_channels.TryGetValue(name, out IDutyChannel? channel))
                {
                    continue;
                }

                if (channel.ToGroup)
                {
                    if (!groupMentions.TryGetValue(name, out List<DutyRecipientOptions>? mentions))
                    {
                        groupMentions[name] = mentions = [];
                        deliveries.Add(new DutyDelivery(name, DutyDelivery.Group, n, null, mentions));
                    }

                    mentions.AddRange(people.Where(p => !mentions.Contains(p)));
                    continue;
                }

                foreach (DutyRecipientOptions person in people)
                {
                    if (!deliveries.Exists(d => d.Channel == name && d.Recipient == person.Name))
                    {
                        deliveries.Add(new DutyDelivery(name, person.Name, n, person, []));
                    }
                }
            }
        }

        return deliveries;
    }

    /// <summary>The delivery an outbox entry stands for, as the routes give it now; null when they no longer do.</summary>
    public DutyDelivery? Find(string channel, string recipient, AlertNotification n) =>
        Route(n).FirstOrDefault(d => d.Channel == channel && d.Recipient == recipient);
}
