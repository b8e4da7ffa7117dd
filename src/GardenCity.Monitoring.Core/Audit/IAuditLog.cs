namespace GardenCity.Monitoring.Core.Audit;

/// <summary>
/// The audit trail: who did what to which alert, and when (docs/duty-room.md, "Audit trail"). Append-only. Declared
/// here so that the API and the alerting worker never reference each other; the alerting worker implements it
/// (<c>AuditFileStore</c>), the host wires it. Thread-safe.
/// </summary>
public interface IAuditLog
{
    /// <summary>Records an entry durably (on disk before it returns).</summary>
    void Record(AuditEntry entry);

    /// <summary>The entries matching <paramref name="query"/>, newest first, at most <see cref="AuditQuery.Limit"/>.</summary>
    IReadOnlyList<AuditEntry> Query(AuditQuery query);
}
