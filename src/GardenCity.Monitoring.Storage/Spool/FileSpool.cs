using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Spool;

/// <summary>
/// An append-only, checksummed log of batches in segment files (<c>spool-000000000001.log</c>, …), flushed to the disk
/// on every append, read back oldest first. A record is <c>"GCS1" | length | CRC-32 | readings | payload</c>
/// (little-endian 32-bit integers). At start every segment is checked: a torn record at the end of a segment (a crash
/// while appending) is cut off, a record whose checksum fails ends that segment's valid part (the segment is copied to
/// <c>.corrupt</c> first, for inspection); nothing is ever misread. A segment is deleted only once all its records were
/// removed, i.e. written to InfluxDB. Thread-safe.
/// </summary>
public sealed class FileSpool : IDisposable
{
    private const int HeaderBytes = 16;
    private static readonly byte[] Magic = "GCS1"u8.ToArray();

    private readonly SpoolOptions _options;
    private readonly ILogger<FileSpool> _logger;
    private readonly Lock _lock = new();
    private readonly Queue<Entry> _pending = new();
    private readonly Dictionary<long, int> _remainingPerSegment = [];
    private FileStream? _current;
    private long _currentSegment;
    private long _nextId;
    private long _bytes;

    public FileSpool(IOptions<SpoolOptions> options, ILogger<FileSpool> logger)
    {
        _options = options.Value;
        _logger = logger;
        Directory.CreateDirectory(_options.Directory);
        foreach ((long number, string path) in Segments())
        {
            Load(number, path);
            _currentSegment = Math.Max(_currentSegment, number);
        }
    }

    /// <summary>Bytes held in records not yet removed.</summary>
    public long SizeBytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Records not yet removed.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Readings in records not yet removed.</summary>
    public long PendingReadings
    {
        get
        {
            lock (_lock)
            {
                return _pending.Sum(e => (long)e.Readings);
            }
        }
    }

    public bool IsEmpty => Count == 0;

    /// <summary>
    /// Appends a batch and flushes it to the disk. Returns false, writing nothing, when the record would take the spool
    /// past <see cref="SpoolOptions.MaxBytes"/>; an empty spool takes one record of any size, so a large batch cannot
    /// block forever.
    /// </summary>
    public bool TryAppend(string lineProtocol, int readings)
    {
        ArgumentNullException.ThrowIfNull(lineProtocol);
        byte[] payload = Encoding.UTF8.GetBytes(lineProtocol);
        int size = HeaderBytes + payload.Length;
        lock (_lock)
        {
            if (_pending.Count > 0 && _bytes + size > _options.MaxBytes)
            {
                return false;
            }

            if (_current is null || _current.Length + size > _options.SegmentBytes)
            {
                _current?.Dispose();
                _currentSegment++;
                _current = new FileStream(SegmentPath(_currentSegment), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            }

            var header = new byte[HeaderBytes];
            Magic.CopyTo(header, 0);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), Crc32.HashToUInt32(payload));
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), readings);
            long offset = _current.Position;
            _current.Write(header);
            _current.Write(payload);
            _current.Flush(flushToDisk: true);
            _pending.Enqueue(new Entry(_nextId++, _currentSegment, offset, payload.Length, readings));
            _remainingPerSegment[_currentSegment] = _remainingPerSegment.GetValueOrDefault(_currentSegment) + 1;
            _bytes += size;
            return true;
        }
    }

    /// <summary>The oldest record, or null when the spool is empty. It stays until <see cref="Remove"/>.</summary>
    public SpoolRecord? PeekOldest()
    {
        lock (_lock)
        {
            if (!_pending.TryPeek(out Entry? entry))
            {
                return null;
            }

            using var stream = new FileStream(SegmentPath(entry.Segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Position = entry.Offset + HeaderBytes;
            var payload = new byte[entry.Length];
            stream.ReadExactly(payload);
            return new SpoolRecord(entry.Id, Encoding.UTF8.GetString(payload), entry.Readings);
        }
    }

    /// <summary>Removes the oldest record, which must be <paramref name="record"/>; deletes its segment when that was the last record in it.</summary>
    public void Remove(SpoolRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            if (!_pending.TryPeek(out Entry? entry) || entry.Id != record.Id)
            {
                throw new InvalidOperationException($"spool record {record.Id} is not the oldest");
            }

            _pending.Dequeue();
            _bytes -= HeaderBytes + entry.Length;
            if (--_remainingPerSegment[entry.Segment] == 0)
            {
                _remainingPerSegment.Remove(entry.Segment);
                if (entry.Segment == _currentSegment)
                {
                    _current?.Dispose();
                    _current = null;
                }

                File.Delete(SegmentPath(entry.Segment));
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _current?.Dispose();
            _current = null;
        }
    }

    private IEnumerable<(long Number, string Path)> Segments() =>
        Directory.EnumerateFiles(_options.Directory, "spool-*.log")
            .Select(p => (Number: long.TryParse(Path.GetFileNameWithoutExtension(p)["spool-".Length..], out long n) ? n : -1, Path: p))
            .Where(s => s.Number >= 0).OrderBy(s => s.Number).ToList();

    private void Load(long number, string path)
    {
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
        {
            var header = new byte[HeaderBytes];
            long offset = 0;
            int records = 0;
            while (offset < stream.Length)
            {
                string? problem = null;
                stream.Position = offset;
                int length = 0;
                if (stream.Length - offset < HeaderBytes)
                {
                    problem = "torn header";
                }
                else
                {
                    stream.ReadExactly(header);
                    length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
                    if (!header.AsSpan(0, 4).SequenceEqual(Magic) || length < 0)
                    {
                        problem = "bad record header";
                    }
                    else if (stream.Length - offset - HeaderBytes < length)
                    {
                        problem = "torn record";
                    }
                    else
                    {
                        var payload = new byte[length];
                        stream.ReadExactly(payload);
                        if (Crc32.HashToUInt32(payload) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8)))
                        {
                            problem = "checksum mismatch";
                        }
                    }
                }

                if (problem is not null)
                {
                    long lost = stream.Length - offset;
                    _logger.SpoolDamaged(path, offset, lost, problem);
                    if (problem is not ("torn header" or "torn record"))
                    {
                        File.Copy(path, path + ".corrupt", overwrite: true);
                    }

                    stream.SetLength(offset);
                    break;
                }

                _pending.Enqueue(new Entry(_nextId++, number, offset, length, BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12))));
                _bytes += HeaderBytes + length;
                records++;
                offset += HeaderBytes + length;
            }

            if (records > 0)
            {
                _remainingPerSegment[number] = records;
                _logger.SpoolLoaded(path, records);
                return;
            }
        }

        File.Delete(path);
    }

    private string SegmentPath(long number) => Path.Combine(_options.Directory, $"spool-{number:D12}.log");

    private sealed record Entry(long Id, long Segment, long Offset, int Length, int Readings);
}

internal static partial class SpoolLog
{
    [LoggerMessage(LogLevel.Warning, "Spool segment {Path} is damaged at byte {Offset} ({Problem}); the {Bytes} bytes from there are not read")]
    public static partial void SpoolDamaged(this ILogger logger, string path, long offset, long bytes, string problem);

    [LoggerMessage(LogLevel.Information, "Spool segment {Path} holds {Records} batches to replay")]
    public static partial void SpoolLoaded(this ILogger logger, string path, int records);
}
