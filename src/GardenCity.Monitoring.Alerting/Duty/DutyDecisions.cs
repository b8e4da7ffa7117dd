using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;
using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.Alerting.Duty;

/// <summary>What inhibition or grouping decided about a duty-room notification.</summary>
internal enum DutyDecisionKind
{
    /// <summary>Held back: not sent to people, because <see cref="DutyDecision.By"/> is active.</summary>
    HeldBack,

    /// <summary>Released: the alert that held it back ended while it is still active; it is sent now.</summary>
    Released,

    /// <summary>A site-wide outage began: one site alert instead of one per station.</summary>
    SiteOutageRaised,

    /// <summary>The site-wide outage ended.</summary>
    SiteOutageResolved,

    /// <summary>Sent as one message with others (<see cref="DutyDecision.Group"/>).</summary>
    Grouped,
}

/// <summary>One decision of inhibition or grouping.</summary>
/// <param name="Kind">What was decided.</param>
/// <param name="Notification">The notification it concerns (for a group, the worst one).</param>
/// <param name="By">The inhibiting alert id (held back, released), or the group key (grouped).</param>
/// <param name="Group">The notification ids sent together (grouped); empty otherwise.</param>
/// <param name="Channel">The channel (grouped); null for inhibition, which applies to every channel.</param>
/// <param name="Recipient">The recipient (grouped).</param>
internal sealed record DutyDecision(DutyDecisionKind Kind, AlertNotification Notification, string By, IReadOnlyList<string> Group, string? Channel = null, string? Recipient = null);

/// <summary>
/// Where inhibition and grouping record what they decide: logged, and a held-back notification gets the status
/// <c>held_back</c> (reason: the inhibiting alert) for every delivery its routes would have made, so
/// <c>GET /api/v1/alerts/{id}/deliveries</c> shows whom it did not reach and why. The one place to extend when the
/// decisions go to the audit trail too. Thread-safe.
/// </summary>
internal sealed class DutyDecisions(DutyRouter router, DutyDeliveryLog log, TimeProvider time, ILogger logger, IAuditLog? audit = null)
{
    /// <summary>Builds inhibition and grouping as configured (either may be off), both recording through one <see cref="DutyDecisions"/>.</summary>
    public static (Inhibition.DutyInhibitor? Inhibitor, Grouping.DutyGrouper? Grouper) Create(DutyOptions options, Core.Stations.StationRegistry registry, DutyRouter router,
        DutyDispatcher dispatcher, DutyDeliveryLog log, string stateDirectory, TimeProvider time, ILogger logger, IAuditLog? audit = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dispatcher);
        var decisions = new DutyDecisions(router, log, time, logger, audit);
        return (
            options.Inhibition.Enabled ? new Inhibition.DutyInhibitor(options.Inhibition, registry, stateDirectory, decisions.Record) : null,
            options.Grouping.Enabled ? new Grouping.DutyGrouper(options.Grouping, stateDirectory, time, dispatcher.Send, decisions.Record) : null);
    }

    /// <summary>Records a decision.</summary>
    public void Record(DutyDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        AlertNotification n = decision.Notification;
        audit?.Record(new AuditEntry(time.GetUtcNow(), AuditKinds.DutyPrefix + decision.Kind switch
        {
            DutyDecisionKind.HeldBack => "held_back",
            DutyDecisionKind.Released => "released",
            DutyDecisionKind.SiteOutageRaised => "site_outage_raised",
            DutyDecisionKind.SiteOutageResolved => "site_outage_resolved",
            _ => "grouped",
        }, AuditEntry.System, n.AlertId, decision.Channel is null ? decision.By : $"{decision.Channel}/{decision.Recipient}",
            decision.Kind == DutyDecisionKind.Grouped ? $"{decision.Group.Count} notifications in one message: {string.Join(", ", decision.Group)}" : $"{n.NotificationId} by {decision.By}"));
        switch (decision.Kind)
        {
            case DutyDecisionKind.HeldBack:
                Log.DutyHeldBack(logger, n.NotificationId, decision.By);
                foreach (Channels.DutyDelivery d in router.Route(n))
                {
                    log.Record(new DutyDeliveryRecord(n.NotificationId, n.AlertId, d.Channel, d.Recipient, DutyDeliveryStatus.HeldBack, 0, $"inhibited by {decision.By}", time.GetUtcNow()));
                }

                break;
            case DutyDecisionKind.Released:
                Log.DutyReleased(logger, n.NotificationId, decision.By);
                break;
            case DutyDecisionKind.SiteOutageRaised or DutyDecisionKind.SiteOutageResolved:
                Log.DutySiteOutage(logger, n.NotificationId, n.Site, n.MessageEn);
                break;
            default:
                Log.DutyGrouped(logger, decision.Group.Count, decision.Channel ?? string.Empty, decision.Recipient ?? string.Empty, decision.By, string.Join(", ", decision.Group));
                break;
        }
    }
}
