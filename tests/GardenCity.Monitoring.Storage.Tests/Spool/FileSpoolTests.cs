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
    }

    [Fact]
    public void Open_FlippedByte_ChecksumStopsTheSegmentAndKeepsACopy()
    {
        using (FileSpool spool = Open(segmentBytes: 1 << 20))
        {
            for (int i = 0; i < 3; i++)
            {
                spool.TryAppend(Batch(i), 1);
            }
        }

        string segment = Directory.GetFiles(_dir, "spool-*.log").Single();
        byte[] bytes = File.ReadAllBytes(segment);
        int second = 16 + Batch(0).Length;
        bytes[second + 20] ^= 0x20; // inside the second record's payload
        File.WriteAllBytes(segment, bytes);

        using FileSpool reopened = Open(segmentBytes: 1 << 20);
        Assert.Equal([Batch(0)], Drain(reopened).Select(r => r.LineProtocol));
        Assert.True(File.Exists(segment + ".corrupt"));
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
}
