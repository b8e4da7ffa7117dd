using BenchmarkDotNet.Attributes;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Benchmarks;

/// <summary>
/// The local spool (docs/fault-tolerance.md) with batches of 1,000 readings in line protocol, as the worker spools them
/// while InfluxDB is down: appends (each written and flushed to the disk, so this measures the disk's fsync too), and the
/// replay's steps without InfluxDB (the oldest batch read back and removed; its bytes go to the write as read).
/// </summary>
[MemoryDiagnoser]
public class SpoolBenchmarks : IDisposable
{
    private const int Batch = 1000;
    private const int Batches = 16;
    private byte[] _lines = [];
    private string _directory = string.Empty;
    private FileSpool _spool = null!;

    /// <summary>One batch's line protocol (the shipped registry's gauges).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var buffer = new LineProtocolBuffer();
        PointMapper.Write(buffer, Fleet.Decode(Fleet.TelemetryMessages(Batch)));
        _lines = buffer.Written.ToArray();
    }

    /// <summary>An empty spool in a fresh folder for the appends.</summary>
    [IterationSetup(Target = nameof(Append))]
    public void EmptySpool() => Open(fill: 0);

    /// <summary>A spool holding <see cref="Batches"/> batches for the replay.</summary>
    [IterationSetup(Target = nameof(Replay))]
    public void FullSpool() => Open(fill: Batches);

    /// <summary>The spool closed and its folder deleted.</summary>
    [IterationCleanup]
    public void Cleanup()
    {
        _spool.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Appends <see cref="Batches"/> batches of 1,000 readings, each flushed to the disk.</summary>
    [Benchmark]
    public int Append()
    {
        int appended = 0;
        for (int i = 0; i < Batches; i++)
        {
            appended += _spool.Append(_lines, Batch) == SpoolAppendResult.Appended ? 1 : 0;
        }

        return appended;
    }

    /// <summary>Reads back and removes <see cref="Batches"/> batches of 1,000 readings, oldest first.</summary>
    [Benchmark]
    public long Replay()
    {
        long bytes = 0;
        while (_spool.PeekOldest() is { } record)
        {
            bytes += record.Payload.Length; // what the replay's write sends
            _spool.Remove(record);
        }

        return bytes;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _spool?.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Open(int fill)
    {
        _directory = Directory.CreateTempSubdirectory("gc-bench-spool-").FullName;
        _spool = new FileSpool(Options.Create(new SpoolOptions { Directory = _directory }), NullLogger<FileSpool>.Instance);
        for (int i = 0; i < fill; i++)
        {
            _spool.Append(_lines, Batch);
        }
    }
}
