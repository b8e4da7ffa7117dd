using System.Text.Json;
using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting.Duty.Escalation;

/// <summary>Where an escalation stands.</summary>
internal static class EscalationStates
{
    /// <summary>Waiting for the next tier.</summary>
    public const string Running = "running";

    /// <summary>Every tier was notified; waiting for an acknowledgement.</summary>
    public const string LastTierReached = "last_tier_reached";

    /// <summary>Stopped by an acknowledgement.</summary>
    public const string Acknowledged = "acknowledged";

    /// <summary>Over: the alert was resolved or closed, fell below every policy, or its policy was removed.</summary>
    public const string Ended = "ended";
}

/// <summary>One delivery of a tier: a channel and a recipient (<c>@group</c> for a robot, with the people it @-mentions).</summary>
internal sealed record EscalationTarget(string Channel, string Recipient, IReadOnlyList<string> Mentions);

/// <summary>One recorded escalation step: started, a tier notified, restarted, acknowledged, ended.</summary>
internal sealed class EscalationStep
{
    /// <summary><c>started</c>, <c>restarted</c>, <c>tier</c>, <c>acknowledged</c>, <c>ended</c>, <c>policy_reloaded</c>, <c>policy_refused</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The tier notified (kind <c>tier</c>), or the tier reached when it stopped.</summary>
    public int? Tier { get; init; }

    /// <summary>The tier's name.</summary>
    public string? Name { get; init; }

    /// <summary>When, by the worker's wall clock.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Who (an acknowledgement or close: the responder key's name).</summary>
    public string? By { get; init; }

    /// <summary>Why, or what else is worth knowing (rotas with nobody on duty).</summary>
    public string? Note { get; init; }

    /// <summary>The message sent for a tier: the alert change that started the escalation, its text saying which tier and how long unacknowledged.</summary>
    public AlertNotification? Notification { get; init; }

    /// <summary>The deliveries of a tier.</summary>
    public IReadOnlyList<EscalationTarget> Targets { get; init; } = [];

    /// <summary>Whether the tier's deliveries are in the outbox (written before they are; a restart adds what is missing).</summary>
    public bool Queued { get; set; }
}

/// <summary>The escalation of one alert.</summary>
internal sealed class EscalationRecord
{
    public required string AlertId { get; init; }

    public required string PolicyId { get; set; }

    /// <summary>The alert change that started (or last re-aimed) the escalation.</summary>
    public required AlertNotification Notification { get; set; }

    public required DateTimeOffset StartedAt { get; set; }

    /// <summary>The last tier notified (1: the routes, at once).</summary>
    public int Tier { get; set; } = 1;

    public DateTimeOffset? NextDueAt { get; set; }

    public string State { get; set; } = EscalationStates.Running;

    public string? StoppedBy { get; set; }

    public string? StopReason { get; set; }

    public DateTimeOffset? StoppedAt { get; set; }

    public List<EscalationStep> Steps { get; init; } = [];
}

/// <summary>
/// The escalations on disk: <c>escalation.json</c> in the alerting state folder, written atomically (a temporary file,
/// flushed, then renamed over the old one) at every change, before the deliveries it decides are queued.
/// </summary>
internal sealed class EscalationStore(string directory)
{
    private static readonly JsonSerializerOptions Json = new(AlertNotification.Json);

    public string Path { get; } = System.IO.Path.Combine(directory, "escalation.json");

    public Dictionary<string, EscalationRecord> Load()
    {
        if (!File.Exists(Path))
        {
            return new(StringComparer.Ordinal);
        }

        List<EscalationRecord> records = JsonSerializer.Deserialize<List<EscalationRecord>>(File.ReadAllBytes(Path), Json) ?? [];
        return records.ToDictionary(r => r.AlertId, StringComparer.Ordinal);
    }

    public void Save(IEnumerable<EscalationRecord> records)
    {
        Directory.CreateDirectory(directory);
        StateFile.Write(Path, records.ToList(), Json);
    }
}
