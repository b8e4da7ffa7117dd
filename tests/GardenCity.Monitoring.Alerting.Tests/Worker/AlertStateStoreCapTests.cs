using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;

namespace GardenCity.Monitoring.Alerting.Tests.Worker;

/// <summary>
/// The CAP log's compaction into <c>cap.json</c> (<see cref="AlertStateStore"/>): in the background, with nothing lost
/// to a crash in the middle of it (docs/alerting.md, "State: snapshot and journal").
/// </summary>
public sealed class AlertStateStoreCapTests : IDisposable
{
    private static readonly EngineSnapshot Empty = new() { Stations = [], Pairs = [] };
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-cap-log-").FullName;

    private static CapEntry Cap(int n) => new($"cap-{n}", $"alert-{n}", new DateTimeOffset(2026, 12, 3, 8, n, 0, TimeSpan.Zero), $"title {n}", $"<alert>{n}</alert>");

    [Fact]
    public async Task Compaction_RunsAfterTheSaveReturns_ThenCapJsonHoldsTheFeedAndTheLogStartsAfresh()
    {
        var store = new AlertStateStore(_dir);
        store.Save(new AlertingState(Empty, [Cap(1)])); // at start: the whole feed
        store.Save(new AlertingState(Empty, null) { CapAdded = [Cap(2)] });
        store.Save(new AlertingState(Empty, null) { CapAdded = [Cap(3)], CapToCompact = [Cap(3), Cap(2), Cap(1)] });
        Assert.Equal(0, store.CapLogged);
        store.Save(new AlertingState(Empty, null) { CapAdded = [Cap(4)] }); // goes to a new log while (or after) the compaction runs

        for (int i = 0; i < 100 && File.Exists(store.CapLogCompactingPath); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.False(File.Exists(store.CapLogCompactingPath), "the compacted log is deleted once cap.json holds it");
        Assert.Equal(["cap-4"], (await File.ReadAllLinesAsync(store.CapLogPath, TestContext.Current.CancellationToken)).Select(l => l.Split('"')[3]));
        Assert.Equal(["cap-4", "cap-3", "cap-2", "cap-1"], new AlertStateStore(_dir).Load()!.Cap!.Select(e => e.Identifier));
    }

    [Fact]
    public void Load_ACompactionCutShort_ReadsTheLogSetAsideBeforeTheNewOne()
    {
        // A crash after the log was set aside and before cap.json was rewritten: cap.json is the old one.
        var store = new AlertStateStore(_dir);
        store.Save(new AlertingState(Empty, [Cap(1)]));
        File.WriteAllLines(store.CapLogCompactingPath, [.. new[] { Cap(2), Cap(3) }.Select(c => System.Text.Json.JsonSerializer.Serialize(c))]);
        File.WriteAllLines(store.CapLogPath, [System.Text.Json.JsonSerializer.Serialize(Cap(4))]);

        var reopened = new AlertStateStore(_dir);
        Assert.Equal(["cap-4", "cap-3", "cap-2", "cap-1"], reopened.Load()!.Cap!.Select(e => e.Identifier));
        Assert.Equal(3, reopened.CapLogged);
    }

    [Fact]
    public void Compaction_WithALogStillSetAside_IsMadeInPlace()
    {
        var store = new AlertStateStore(_dir);
        store.Save(new AlertingState(Empty, [Cap(1)]));
        File.WriteAllLines(store.CapLogCompactingPath, [System.Text.Json.JsonSerializer.Serialize(Cap(2))]); // the last one failed
        store.Save(new AlertingState(Empty, null) { CapAdded = [Cap(3)], CapToCompact = [Cap(3), Cap(2), Cap(1)] });

        Assert.False(File.Exists(store.CapLogCompactingPath));
        Assert.False(File.Exists(store.CapLogPath));
        Assert.Equal(["cap-3", "cap-2", "cap-1"], new AlertStateStore(_dir).Load()!.Cap!.Select(e => e.Identifier));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
