using System.Buffers.Binary;
using System.Text;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Tests.Spool;

public sealed class FileSpoolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-spool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FileSpool Open(long maxBytes = 1 << 20, long segmentBytes = 4096) =>
        new(Options.Create(new SpoolOptions { Directory = _dir, MaxBytes = maxBytes, SegmentBytes = segmentBytes }), NullLogger<FileSpool>.Instance);

    private static string Batch(int i) => $"water_level,station=yd-wl-0{i % 3} water_level_m={i}.5 {1690769700000000000L + i}\n";

    private static byte[] Record(int i) => FileSpool.Encode(Encoding.UTF8.GetBytes(Batch(i)), 1);

    private static int Offset(int record) => Enumerable.Range(0, record).Sum(i => Record(i).Length);

    private string WriteSegment(int records)
    {
        using (FileSpool spool = Open(segmentBytes: 1 << 20))
        {
            for (int i = 0; i < records; i++)
            {
                Assert.True(spool.TryAppend(Batch(i), 1));
            }
        }

        return Directory.GetFiles(_dir, "spool-*.log").Single();
    }

    private static List<SpoolRecord> Drain(FileSpool spool)
    {
        var records = new List<SpoolRecord>();
        while (spool.PeekOldest() is { } record)
        {
            records.Add(record);
            spool.Remove(record);
        }

        return records;
    }

    [Fact]
    public async Task Append_WhileADrainedSegmentIsBeingDeleted_DoesNotWaitForTheDelete()
    {
        // The alert history's spool: every alert appends a batch, and the writer removes it once InfluxDB took it, which
        // deletes the drained segment. The delete ran under the spool's lock, and an unlink waits for the file system's
        // journal: on a disk busy with InfluxDB's writes it took up to 0.5 s, and the next alert's append waited for it.
        using var deleting = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var spool = new FileSpool(Options.Create(new SpoolOptions { Directory = _dir, MaxBytes = 1 << 20, SegmentBytes = 4096 }), NullLogger<FileSpool>.Instance)
        {
            DeleteSegment = path =>
            {
                deleting.Set();
                release.Wait(TimeSpan.FromSeconds(30));
                File.Delete(path);
            },
        };
        Assert.True(spool.TryAppend(Batch(0), 1));
        SpoolRecord first = spool.PeekOldest()!;
        Task removing = Task.Run(() => spool.Remove(first), TestContext.Current.CancellationToken);
        Assert.True(deleting.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the drained segment was not deleted");

        Task<bool> appending = Task.Run(() => spool.TryAppend(Batch(1), 1), TestContext.Current.CancellationToken);
        Task done = await Task.WhenAny(appending, Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));

        release.Set();
        Assert.Same(appending, done); // appended while the delete still waited
        Assert.True(await appending);
        await removing;
        Assert.Equal([Batch(1)], Drain(spool).Select(r => Encoding.UTF8.GetString(r.Payload.Span)));
    }

    [Fact]
    public void TryAppend_ThenReopen_ReplaysEveryBatchInOrderAndDeletesSegmentsWhenDone()
    {
        using (FileSpool spool = Open())
        {
            for (int i = 0; i < 200; i++)
            {
                Assert.True(spool.TryAppend(Batch(i), readings: 1));
            }

            Assert.True(Directory.GetFiles(_dir, "spool-*.log").Length > 1, "several segments");
        }

        using FileSpool reopened = Open();
        Assert.Equal(200, reopened.Count);
        Assert.Equal(200, reopened.PendingReadings);
        List<SpoolRecord> records = Drain(reopened);

        Assert.Equal(Enumerable.Range(0, 200).Select(Batch), records.Select(r => r.LineProtocol));
        Assert.True(reopened.IsEmpty);
        Assert.Equal(0, reopened.SizeBytes);
        Assert.Empty(Directory.GetFiles(_dir, "spool-*.log"));
    }

    [Fact]
    public void Open_TornLastRecord_IsCutOffAndTheRestReplayed()
    {
        using (FileSpool spool = Open(segmentBytes: 1 << 20))
        {
            for (int i = 0; i < 3; i++)
            {
                spool.TryAppend(Batch(i), 1);
            }
        }

        string segment = Directory.GetFiles(_dir, "spool-*.log").Single();
        long length = new FileInfo(segment).Length;
        using (var stream = new FileStream(segment, FileMode.Open))
        {
            stream.SetLength(length - 7); // a crash in the middle of the last append
        }

        using FileSpool reopened = Open(segmentBytes: 1 << 20);
        Assert.Equal([Batch(0), Batch(1)], Drain(reopened).Select(r => r.LineProtocol));
        Assert.Empty(reopened.QuarantinedFiles()); // an interrupted append was never acknowledged: no damage
    }

    [Fact]
    public void Open_FourFlippedBytesInOneRecord_ResynchronisesKeepsTheRestAndQuarantinesOnlyThatRecord()
    {
        string segment = WriteSegment(10);
        int third = Offset(2);
        byte[] bytes = File.ReadAllBytes(segment);
        foreach (int i in new[] { 25, 26, 27, 28 })
        {
            bytes[third + i] ^= 0x5a; // inside the third record's payload
        }

        File.WriteAllBytes(segment, bytes);

        using FileSpool reopened = Open(segmentBytes: 1 << 20);
        Assert.Equal(9, reopened.PendingReadings);
        Assert.Equal(Enumerable.Range(0, 10).Where(i => i != 2).Select(Batch), Drain(reopened).Select(r => r.LineProtocol));
        Assert.Equal(1, reopened.DamagedRecords);
        Assert.Equal(Record(2).Length, reopened.DamagedBytes);
        string copy = Assert.Single(reopened.QuarantinedFiles());
        Assert.Equal(bytes.AsSpan(third, Record(2).Length).ToArray(), File.ReadAllBytes(copy));
    }

    [Fact]
    public void Open_OverwrittenLengthField_ResynchronisesAtTheNextRecord()
    {
        string segment = WriteSegment(10);
        byte[] bytes = File.ReadAllBytes(segment);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(Offset(4) + 4), 0x7fff_0000); // far past the end
        File.WriteAllBytes(segment, bytes);

        using FileSpool reopened = Open(segmentBytes: 1 << 20);
        Assert.Equal(Enumerable.Range(0, 10).Where(i => i != 4).Select(Batch), Drain(reopened).Select(r => r.LineProtocol));
        Assert.Equal(1, reopened.DamagedRecords);
        Assert.Single(reopened.QuarantinedFiles());
    }

    [Fact]
    public void Open_TamperedReadingsField_HeaderChecksumRefusesTheRecord()
    {
        string segment = WriteSegment(10);
        byte[] bytes = File.ReadAllBytes(segment);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(Offset(7) + 8), 999_999);
        File.WriteAllBytes(segment, bytes);

        using FileSpool reopened = Open(segmentBytes: 1 << 20);
        Assert.Equal(9, reopened.PendingReadings);
        Assert.Equal(Enumerable.Range(0, 10).Where(i => i != 7).Select(Batch), Drain(reopened).Select(r => r.LineProtocol));
        Assert.Equal(1, reopened.DamagedRecords);
    }

    [Fact]
    public void Open_OlderSegmentTruncatedToHalf_KeepsTheFirstHalfAndTheLaterSegmentsAndReportsTheDamage()
    {
        using (FileSpool spool = Open(segmentBytes: 4096))
        {
            for (int i = 0; i < 200; i++)
            {
                Assert.True(spool.TryAppend(Batch(i), 1));
            }
        }

        string[] segments = [.. Directory.GetFiles(_dir, "spool-*.log").Order(StringComparer.Ordinal)];
        Assert.True(segments.Length >= 3);
        int perSegment = Encoding.ASCII.GetString(File.ReadAllBytes(segments[0])).Split("GCS2").Length - 1;
        using (var stream = new FileStream(segments[0], FileMode.Open))
        {
            stream.SetLength((stream.Length / 2) + 3); // cuts a record in two
        }

        using FileSpool reopened = Open(segmentBytes: 4096);
        List<string> read = [.. Drain(reopened).Select(r => r.LineProtocol)];
        int keptOfFirst = read.TakeWhile(l => l != Batch(perSegment)).Count();
        Assert.Equal(Enumerable.Range(0, keptOfFirst).Select(Batch), read.Take(keptOfFirst));
        Assert.Equal(Enumerable.Range(perSegment, 200 - perSegment).Select(Batch), read.Skip(keptOfFirst));
        Assert.InRange(keptOfFirst, (perSegment / 2) - 1, perSegment / 2);
        Assert.Equal(1, reopened.DamagedRecords);
        Assert.Single(reopened.QuarantinedFiles());
    }

    [Fact]
    public void Open_LegacyGcs1Segment_IsReadAndItsUncheckedReadingsFieldIsBounded()
    {
        var segment = new MemoryStream();
        for (int i = 0; i < 5; i++)
        {
            segment.Write(FileSpool.EncodeLegacy(Encoding.UTF8.GetBytes(Batch(i)), i == 3 ? 999_999 : 1));
        }

        byte[] bytes = segment.ToArray();
        bytes[FileSpool.LegacyHeaderBytes + 10] ^= 0x01; // the first record's payload
        File.WriteAllBytes(Path.Combine(_dir, "spool-000000000007.log"), bytes);

        using FileSpool reopened = Open(segmentBytes: 1 << 20);
        Assert.Equal(4, reopened.PendingReadings); // 999,999 claimed, one line: counted as 1
        Assert.True(reopened.TryAppend(Batch(9), 1));
        Assert.Equal([Batch(1), Batch(2), Batch(3), Batch(4), Batch(9)], Drain(reopened).Select(r => r.LineProtocol));
        Assert.Equal(1, reopened.DamagedRecords);
    }

    [Fact]
    public void Open_DamagedLastRecordOfTheNewestSegment_IsQuarantinedNotSilentlyCut()
    {
        string segment = WriteSegment(3);
        byte[] bytes = File.ReadAllBytes(segment);
        bytes[^5] ^= 0x20;
        File.WriteAllBytes(segment, bytes);

        using FileSpool reopened = Open(segmentBytes: 1 << 20);
        Assert.Equal([Batch(0), Batch(1)], Drain(reopened).Select(r => r.LineProtocol));
        Assert.Single(reopened.QuarantinedFiles());
    }

    [Fact]
    public void TryAppend_Full_RefusesWithoutWritingAndAcceptsAgainOnceDrained()
    {
        using FileSpool spool = Open(maxBytes: 200);

        Assert.True(spool.TryAppend(Batch(1), 1));
        Assert.True(spool.TryAppend(Batch(2), 1));
        Assert.False(spool.TryAppend(Batch(3), 1));
        Assert.Equal(2, spool.Count);

        spool.Remove(spool.PeekOldest()!);
        Assert.True(spool.TryAppend(Batch(3), 1));
        Assert.Equal([Batch(2), Batch(3)], Drain(spool).Select(r => r.LineProtocol));
    }

    [Fact]
    public void TryAppend_RecordLargerThanTheLimitIntoEmptySpool_IsAccepted()
    {
        using FileSpool spool = Open(maxBytes: 100);

        Assert.True(spool.TryAppend(new string('x', 500), 1));
        Assert.False(spool.TryAppend(Batch(1), 1));
    }

    [Fact]
    public void Remove_NotTheOldest_Throws()
    {
        using FileSpool spool = Open();
        spool.TryAppend(Batch(1), 1);
        spool.TryAppend(Batch(2), 1);

        Assert.Throws<InvalidOperationException>(() => spool.Remove(new SpoolRecord(1, Batch(2), 1)));
    }

    [Fact]
    public void Append_FileSystemFull_RefusesRollsBackAndAcceptsAgainOnceReplayFreesASegment()
    {
        using Tmpfs tmpfs = Tmpfs.Mount("256k");
        var options = Options.Create(new SpoolOptions { Directory = tmpfs.Path, MaxBytes = 1L << 30, SegmentBytes = 16 * 1024 });
        string Big(int i) => string.Concat(Enumerable.Range(0, 60).Select(j => $"water_level,station=yd-wl-01 water_level_m={i}.{j} {1690769700000000000L + (i * 100) + j}\n"));
        var spool = new FileSpool(options, NullLogger<FileSpool>.Instance);
        int appended = 0;
        SpoolAppendResult result;
        while ((result = spool.Append(Big(appended), 60)) == SpoolAppendResult.Appended && appended < 10_000)
        {
            appended++;
        }

        Assert.Equal(SpoolAppendResult.DiskFull, result);
        Assert.Contains("No space left on device", spool.DiskFullError, StringComparison.Ordinal);
        Assert.Equal(SpoolAppendResult.DiskFull, spool.Append(Big(appended), 60)); // still full, still no exception
        Assert.Equal(appended, spool.Count);
        Assert.Equal(spool.SizeBytes, Directory.GetFiles(tmpfs.Path, "spool-*.log").Sum(f => new FileInfo(f).Length)); // partial record rolled back

        int removed = 0;
        int segments = Directory.GetFiles(tmpfs.Path, "spool-*.log").Length;
        while (Directory.GetFiles(tmpfs.Path, "spool-*.log").Length == segments)
        {
            spool.Remove(spool.PeekOldest()!); // replay deletes the oldest segment
            removed++;
        }

        Assert.Equal(SpoolAppendResult.Appended, spool.Append(Big(appended), 60));
        Assert.Null(spool.DiskFullError);
        spool.Dispose(); // must not throw

        using var reopened = new FileSpool(options, NullLogger<FileSpool>.Instance);
        Assert.Equal(
            Enumerable.Range(removed, appended - removed + 1).Select(Big),
            Drain(reopened).Select(r => r.LineProtocol));
        Assert.Equal(0, reopened.DamagedRecords);
        Assert.Empty(reopened.QuarantinedFiles());
    }
}
