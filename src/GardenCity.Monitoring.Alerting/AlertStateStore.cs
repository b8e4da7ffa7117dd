using System.Text.Json;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// What the alerting worker persists between runs. <see cref="Cap"/>: the whole CAP feed, newest first (when saving:
/// null leaves <c>cap.json</c> as it is and appends <see cref="CapAdded"/> to the CAP log). <see cref="Journal"/>: when
/// loaded, the journal records written after <see cref="Engine"/>, oldest first.
/// </summary>
public sealed record AlertingState(EngineSnapshot Engine, IReadOnlyList<CapEntry>? Cap)
{
    /// <summary>The journal records to restore over <see cref="Engine"/> in this order (<see cref="AlertStateStore.Load"/>).</summary>
    public IReadOnlyList<AlertStateRecord> Journal { get; init; } = [];

    /// <summary>When saving with <see cref="Cap"/> null: the CAP messages added since the last save, oldest first.</summary>
    public IReadOnlyList<CapEntry> CapAdded { get; init; } = [];

    /// <summary>
    /// When saving with <see cref="Cap"/> null: the whole CAP feed, newest first, to compact the CAP log into
    /// <c>cap.json</c> in the background (<see cref="AlertStateStore.Save"/>); null: no compaction.
    /// </summary>
    public IReadOnlyList<CapEntry>? CapToCompact { get; init; }
}

/// <summary>
/// Persists <see cref="AlertingState"/> in the state folder (docs/alerting.md, "State: snapshot and journal"): a full
/// save writes <c>state.json</c> atomically (temporary file, flush to disk, rename), so that a crash leaves either the
/// old or the new state, never half of one, under a new checkpoint id, and then empties the journal; between full saves
/// each alert change appends one small record to <c>state.journal.jsonl</c> with an fsync (<see cref="Append"/>). The
/// CAP feed is <c>cap.json</c> (rewritten whole at start and once <see cref="CapFeed.Capacity"/> messages were logged)
/// and the CAP log <c>cap.journal.jsonl</c> (the messages added since, appended by the full saves).
/// <see cref="Load"/> returns the snapshot with the records of its checkpoint. Not thread-safe: the engine host calls
/// it under its gate.
/// </summary>
public sealed class AlertStateStore(string directory)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General) { WriteIndented = false };
    private string? _checkpoint;
    private Task _capCompaction = Task.CompletedTask;

    /// <summary>The engine state file.</summary>
    public string Path { get; } = System.IO.Path.Combine(directory, "state.json");

    /// <summary>The CAP messages file (written only when the feed changed).</summary>
    public string CapPath { get; } = System.IO.Path.Combine(directory, "cap.json");

    /// <summary>The journal of alert changes since the last full save.</summary>
    public string JournalPath { get; } = System.IO.Path.Combine(directory, "state.journal.jsonl");

    /// <summary>The CAP messages added since <c>cap.json</c> was written, oldest first.</summary>
    public string CapLogPath { get; } = System.IO.Path.Combine(directory, "cap.journal.jsonl");

    /// <summary>The CAP log being compacted into <c>cap.json</c> (older than <see cref="CapLogPath"/>), while that runs.</summary>
    public string CapLogCompactingPath { get; } = System.IO.Path.Combine(directory, "cap.journal.compacting.jsonl");

    /// <summary>How many messages the CAP log holds (after <see cref="Load"/> and the saves since).</summary>
    public int CapLogged { get; private set; }

    /// <summary>
    /// Loads the state and the journal records written after it; null when there is none. A corrupt state file throws
    /// <see cref="JsonException"/>. A journal line that does not parse (a crash in the middle of writing it, before its
    /// fsync returned, so nobody was told of its change) and records of another checkpoint (a crash between a full save
    /// and emptying the journal) are skipped.
    /// </summary>
    public AlertingState? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        EngineSnapshot? engine;
        using (FileStream stream = File.OpenRead(Path))
        {
            engine = JsonSerializer.Deserialize<EngineSnapshot>(stream, Json);
        }

        List<CapEntry>? cap = null;
        if (File.Exists(CapPath))
        {
            using FileStream stream = File.OpenRead(CapPath);
            cap = JsonSerializer.Deserialize<List<CapEntry>>(stream, Json);
        }

        List<CapEntry> logged = [.. Lines<CapEntry>(CapLogCompactingPath), .. Lines<CapEntry>(CapLogPath)]; // a compaction cut short: its log first
        CapLogged = logged.Count;
        logged.Reverse(); // newest first, as in the feed
        cap = [.. logged.Concat(cap ?? []).DistinctBy(e => e.Identifier, StringComparer.Ordinal)]; // a crash mid-compaction logs some twice

        if (engine is null)
        {
            return null;
        }

        var journal = new List<AlertStateRecord>();
        if (engine.Checkpoint is { } checkpoint)
        {
            journal.AddRange(Lines<AlertStateRecord>(JournalPath)
                .Where(r => r.Checkpoint == checkpoint && r.State is not null && r.Targets is not null)
                .Select(r => r with { Cap = r.Cap ?? [] }));
        }

        return new AlertingState(engine, cap) { Journal = journal };
    }

    /// <summary>Saves the whole state durably under a new checkpoint, then empties the journal (its records are in it).</summary>
    public void Save(AlertingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Directory.CreateDirectory(directory);
        if (state.Cap is not null)
        {
            _capCompaction.Wait(); // (at start: none runs)
            RewriteCap(state.Cap);
        }
        else if (state.CapAdded.Count > 0)
        {
            AppendLines(CapLogPath, state.CapAdded); // a crash before the state below: the journal's records hold them too, read once
            CapLogged += state.CapAdded.Count;
        }

        if (state.Cap is null && state.CapToCompact is { } feed)
        {
            CompactCap(feed);
        }

        string checkpoint = Guid.NewGuid().ToString("N");
        Write(Path, state.Engine with { Checkpoint = checkpoint });
        _checkpoint = checkpoint;
        File.Delete(JournalPath); // a crash before this: its records name the old checkpoint and are skipped
    }

    /// <summary>
    /// Rewrites <c>cap.json</c> with <paramref name="feed"/> (which holds every message of the CAP log) and empties the
    /// log, without holding up the caller: the log is renamed aside (new messages go to a new one) and the rewrite, 1.5 MB
    /// at 500 messages, runs in the background, after which the renamed log is deleted. A crash in between leaves the
    /// old <c>cap.json</c> with both logs, read in order (<see cref="Load"/>). It held the alert path up for 50 ms every
    /// 500 emergency alerts (bench/README.md, "Alerting: the first alert after a start").
    /// </summary>
    private void CompactCap(IReadOnlyList<CapEntry> feed)
    {
        _capCompaction.Wait(); // the previous one (rare: it takes milliseconds, and 500 messages come between two)
        if (File.Exists(CapLogCompactingPath))
        {
            // The previous one failed (its log is still aside, and read by Load): compact here, as at start.
            RewriteCap(feed);
            return;
        }

        if (File.Exists(CapLogPath))
        {
            File.Move(CapLogPath, CapLogCompactingPath);
        }

        CapLogged = 0;
        _capCompaction = Task.Run(() =>
        {
            try
            {
                Write(CapPath, feed);
                File.Delete(CapLogCompactingPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The disk is full or the folder unwritable: the log stays aside, Load reads it, and the next compaction
                // is made in place, where a failure reaches the caller.
            }
        });
    }

    /// <summary>Writes the whole feed to <c>cap.json</c> and deletes the CAP logs, in place.</summary>
    private void RewriteCap(IReadOnlyList<CapEntry> feed)
    {
        Write(CapPath, feed);
        File.Delete(CapLogCompactingPath);
        File.Delete(CapLogPath); // a crash before this: the logs' messages are in cap.json too, and read once
        CapLogged = 0;
    }

    /// <summary>
    /// Appends a journal record of <paramref name="targets"/> (their state <paramref name="part"/>, the CAP messages
    /// <paramref name="cap"/> added) and flushes it to the disk. Only after a full <see cref="Save"/> by this store, which
    /// starts a journal of its own (so a record never follows a line a crash tore).
    /// </summary>
    public void Append(IReadOnlyList<string> targets, EngineSnapshot part, IReadOnlyList<CapEntry> cap)
    {
        string checkpoint = _checkpoint ?? throw new InvalidOperationException("The state journal follows a full save: save the state first.");
        AppendLines(JournalPath, [new AlertStateRecord(checkpoint, targets, part, cap)]);
    }

    /// <summary>Appends one JSON line per item and flushes the file to the disk.</summary>
    private static void AppendLines<T>(string path, IEnumerable<T> items)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        foreach (T item in items)
        {
            stream.Write(Line(item));
            stream.WriteByte((byte)'\n');
        }

        stream.Flush(flushToDisk: true);
    }

    /// <summary>The line (without its line end) of a journal or CAP log item.</summary>
    internal static byte[] Line<T>(T item) => JsonSerializer.SerializeToUtf8Bytes(item, Json);

    /// <summary>The JSON lines of a log that parse (a line torn by a crash before its fsync returned is skipped).</summary>
    private static IEnumerable<T> Lines<T>(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        foreach (string line in File.ReadLines(path))
        {
            T? item;
            try
            {
                item = JsonSerializer.Deserialize<T>(line, Json);
            }
            catch (JsonException)
            {
                continue;
            }

            if (item is not null)
            {
                yield return item;
            }
        }
    }

    private static void Write<T>(string path, T value) => StateFile.Write(path, value, Json);
}
