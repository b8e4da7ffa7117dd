using System.Collections.Concurrent;
using GardenCity.Monitoring.Api.Alerts;
using GardenCity.Monitoring.Core.Audit;
using GardenCity.Monitoring.Core.Time;

namespace GardenCity.Monitoring.Api.Auth;

/// <summary>
/// The use of each API key in the audit trail (docs/api.md, "Keys"): a key's first use on each Beijing day
/// (<see cref="AuditKinds.ApiKeyUsed"/>) and the first time on each day an expired or revoked key is presented
/// (<see cref="AuditKinds.ApiKeyRefused"/>). Once a day rather than every request, so the trail stays readable and a
/// caller cannot flood it; what a key changed (acknowledgements, silences, reviews) is recorded by those actions
/// themselves. Without the alerting role in the process there is no audit trail, and nothing is recorded.
/// </summary>
internal sealed class ApiKeyAudit(IAuditLog audit)
{
    private readonly ConcurrentDictionary<(string Key, string Kind), DateOnly> _lastDay = new();

    /// <summary>Records <paramref name="kind"/> for <paramref name="key"/> unless it was recorded on this Beijing day already.</summary>
    public void Seen(ApiKey key, string kind, DateTimeOffset now, string method, string path, string detail)
    {
        if (audit is AlertingNotRunning)
        {
            return;
        }

        DateOnly day = DateOnly.FromDateTime(now.ToBeijingTime().DateTime);
        DateOnly last = _lastDay.GetValueOrDefault((key.Name, kind));
        if (last == day || !_lastDay.TryUpdate((key.Name, kind), day, last) && !_lastDay.TryAdd((key.Name, kind), day))
        {
            return;
        }

        audit.Record(new AuditEntry(now, kind, key.Name, null, key.Role.ToString().ToLowerInvariant(), $"{detail}; first on {day:yyyy-MM-dd} (Beijing time): {method} {path}"));
    }
}
