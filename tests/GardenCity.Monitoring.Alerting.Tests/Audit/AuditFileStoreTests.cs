using GardenCity.Monitoring.Alerting.Audit;
using GardenCity.Monitoring.Core.Audit;

namespace GardenCity.Monitoring.Alerting.Tests.Audit;

/// <summary>The append-only audit file store: filters, order and limit, monthly files, reopening, a torn last line.</summary>
public sealed class AuditFileStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 23, 50, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-audit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Query_FiltersByAlertKindWhoAndPeriod_NewestFirst_AcrossMonths()
    {
        var store = new AuditFileStore(_dir);
        AuditEntry[] entries =
        [
            new(T0, "alert.raised", "system", "a1", "a1#1", "red"),
            new(T0.AddMinutes(5), "notification.sent", "system", "a1", "ding/@group", "a1#1 sent after 1 round(s)"),
            new(T0.AddMinutes(12), "alert.acknowledged", "li-wei", "a1", "a1#2", "red"), // December: another file
            new(T0.AddMinutes(15), "silence.created", "admin-wang", null, "s-1", "station=bhs-wx-01"),
            new(T0.AddMinutes(20), "alert.raised", "system", "a2", "a2#1", "blue"),
        ];
        foreach (AuditEntry e in entries)
        {
            store.Record(e);
        }

        AuditQuery all = new(T0.AddDays(-1), T0.AddDays(1));
        Assert.Equal(entries.Reverse(), store.Query(all));
        Assert.Equal(2, Directory.GetFiles(_dir, "audit-*.jsonl").Length);
        Assert.Equal([entries[2], entries[1], entries[0]], store.Query(all with { AlertId = "a1" }));
        Assert.Equal([entries[4], entries[0]], store.Query(all with { Kind = "alert.raised" }));
        Assert.Equal([entries[4], entries[2], entries[0]], store.Query(all with { Kind = "alert." }));
        Assert.Equal([entries[2]], store.Query(all with { Who = "li-wei" }));
        Assert.Equal([entries[3], entries[2]], store.Query(new AuditQuery(T0.AddMinutes(12), T0.AddMinutes(20))));
        Assert.Equal([entries[4], entries[3]], store.Query(all with { Limit = 2 }));
        Assert.Empty(store.Query(all with { AlertId = "a3" }));
    }

    [Fact]
    public void Entries_SurviveReopening_AndATornLastLineIsSkipped()
    {
        var entry = new AuditEntry(T0, "alert.closed", "li-wei", "a1", "a1#3", "closed: reason: 现场核实为误报, \"quoted\"");
        new AuditFileStore(_dir).Record(entry);
        File.AppendAllText(Directory.GetFiles(_dir).Single(), "{\"at\":\"2026-11-30T23:55:00+00:00\",\"kind\":\"al"); // a crash mid-write

        var reopened = new AuditFileStore(_dir);
        reopened.Record(entry with { At = T0.AddMinutes(1), Kind = "alert.raised" });

        IReadOnlyList<AuditEntry> read = reopened.Query(new AuditQuery(T0, T0.AddHours(1)));
        Assert.Equal(["alert.raised", "alert.closed"], read.Select(e => e.Kind));
        Assert.Equal(entry, read[1]);
    }
}
