using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Spool;

/// <summary>What <see cref="FileSpool.Append(ReadOnlySpan{byte}, int)"/> did.</summary>
public enum SpoolAppendResult
{
    /// <summary>The record is on the disk (flushed).</summary>
    Appended,

    /// <summary>Nothing written: the record would take the spool past <see cref="SpoolOptions.MaxBytes"/>.</summary>
    LimitReached,

    /// <summary>Nothing written: the file system is full (ENOSPC), over quota (EDQUOT) or at the file size limit (EFBIG).</summary>
    DiskFull,
}

/// <summary>
/// An append-only, checksummed log of batches in segment files (<c>spool-000000000001.log</c>, …), flushed to the disk
/// on every append, read back oldest first. A record is
/// <c>"GCS2" | length | readings | payload CRC-32 | header CRC-32</c> (little-endian 32-bit integers; the header CRC
/// covers the 16 bytes before it) followed by the payload, line protocol in UTF-8. Records of the older format
/// <c>"GCS1" | length | payload CRC-32 | readings</c> are still read, so a node upgraded with a non-empty spool loses nothing.
/// <para>
/// At start every segment is checked. A record whose header or payload checksum fails, or that does not start with a
/// magic, is damage: the spool resynchronises at the next magic whose checksums verify and reads on from there; the
/// bytes in between are copied to a <c>.corrupt</c> file beside the segment, logged as an error and counted
/// (<see cref="DamagedBytes"/>, <see cref="DamagedRecords"/>), and stay reported (<see cref="QuarantinedFiles"/>) until an
/// operator removes the file. A torn record at the end of the newest segment (a crash while appending, before the batch
/// was acknowledged) is cut off with a warning. Nothing is ever misread.
/// </para>
/// <para>
/// A full file system is back-pressure, never a crash: <see cref="Append(ReadOnlySpan{byte}, int)"/> rolls the partial record back and returns
/// <see cref="SpoolAppendResult.DiskFull"/>, exactly like reaching <see cref="SpoolOptions.MaxBytes"/>. A segment is
/// deleted once all its records were removed, i.e. written to InfluxDB. Thread-safe.
/// </para>
/// </summary>
public sealed class FileSpool : IDisposable
{
    /// <summary>Header size of a current (GCS2) record.</summary>
    internal const int HeaderBytes = 20;

    /// <summary>Header size of a legacy (GCS1) record.</summary>
    internal const int LegacyHeaderBytes = 16;

    private const int Enospc = 28, Edquot = 122, Efbig = 27, ErrorDiskFull = unchecked((int)0x80070070), ErrorHandleDiskFull = unchecked((int)0x80070027);
    private static readonly byte[] Magic = "GCS2"u8.ToArray();
    private static readonly byte[] LegacyMagic = "GCS1"u8.ToArray();

    private readonly SpoolOptions _options;
    private readonly ILogger<FileSpool> _logger;
    private readonly Lock _lock = new();
    private readonly Queue<Entry> _pending = new();
    private readonly Dictionary<long, int> _remainingPerSegment = [];
    private FileStream? _current;
    private long _currentSegment;
    private long _nextId;
    private long _bytes;
    private string? _diskFull;
    private long _damagedBytes;
    private long _damagedRecords;

    /// <summary>Opens the spool directory (creating it) and reads back every record not yet removed, checking each.</summary>
    /// <param name="options">The spool settings.</param>
    /// <param name="logger">Where damaged or cut-off records are reported.</param>
    public FileSpool(IOptions<SpoolOptions> options, ILogger<FileSpool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        Directory.CreateDirectory(_options.Directory);
        List<(long Number, string Path)> segments = Segments();
        for (int i = 0; i < segments.Count; i++)
        {
            Load(segments[i].Number, segments[i].Path, newest: i == segments.Count - 1);
            _currentSegment = Math.Max(_currentSegment, segments[i].Number);
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

    /// <summary>Whether no record is pending.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>
    /// The error of the last append refused because the file system is full; null once an append succeeded again or the
    /// spool was emptied.
    /// </summary>
    public string? DiskFullError
    {
        get
        {
            lock (_lock)
            {
                return _diskFull;
            }
        }
    }

    /// <summary>Bytes of damaged records found (and quarantined) since start.</summary>
    public long DamagedBytes => Interlocked.Read(ref _damagedBytes);

    /// <summary>Damaged records found since start (at least one per damaged stretch; more when several magics lie in it).</summary>
    public long DamagedRecords => Interlocked.Read(ref _damagedRecords);

    /// <summary>The <c>.corrupt</c> files in the spool folder, which an operator has not yet dealt with (removed).</summary>
    public IReadOnlyList<string> QuarantinedFiles()
    {
        try
        {
            return [.. Directory.EnumerateFiles(_options.Directory, "*.corrupt").Order(StringComparer.Ordinal)];
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>
    /// <see cref="Append(ReadOnlySpan{byte}, int)"/>, true when the record was written. False, writing nothing, when the spool is at
    /// <see cref="SpoolOptions.MaxBytes"/> or the file system is full.
    /// </summary>
    public bool TryAppend(string lineProtocol, int readings) => Append(lineProtocol, readings) == SpoolAppendResult.Appended;

    /// <summary><see cref="Append(ReadOnlySpan{byte}, int)"/> of line protocol text.</summary>
    public SpoolAppendResult Append(string lineProtocol, int readings)
    {
        ArgumentNullException.ThrowIfNull(lineProtocol);
        return Append(Encoding.UTF8.GetBytes(lineProtocol), readings);
    }

    /// <summary>
    /// Appends a batch and flushes it to the disk. Writes nothing when the record would take the spool past
    /// <see cref="SpoolOptions.MaxBytes"/> (an empty spool takes one record of any size, so a large batch cannot block
    /// forever), or when the file system is full: a partly written record is cut off again, so the segment stays valid.
    /// Other I/O errors are thrown, after the same roll-back.
    /// </summary>
    /// <param name="lineProtocol">The batch's line protocol in UTF-8.</param>
    /// <param name="readings">How many readings it holds (for the spool's counts).</param>
    public SpoolAppendResult Append(ReadOnlySpan<byte> lineProtocol, int readings)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(readings);
        byte[] record = Encode(lineProtocol, readings);
        lock (_lock)
        {
            if (_pending.Count > 0 && _bytes + record.Length > _options.MaxBytes)
            {
                return SpoolAppendResult.LimitReached;
            }

            long offset = -1;
            try
            {
                if (_current is null || _current.Length + record.Length > _options.SegmentBytes)
                {
                    CloseCurrent();

                    // Unbuffered: a failed write leaves nothing behind in memory that a later Dispose would try to flush.
                    _current = new FileStream(SegmentPath(_currentSegment + 1), FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
                    _currentSegment++;
                }

                offset = _current.Length;
                _current.Position = offset;
                _current.Write(record);
                _current.Flush(flushToDisk: true);
            }
            catch (Exception ex) when (ex is IOException or ArgumentOutOfRangeException { ParamName: "value" })
            {
                RollBack(offset);
                if (!IsOutOfSpace(ex))
                {
                    throw;
                }

                if (_diskFull is null)
                {
                    _logger.SpoolDiskFull(_options.Directory, _pending.Count, ex.Message);
                }

                _diskFull = ex.Message;
                return SpoolAppendResult.DiskFull;
            }

            if (_diskFull is not null)
            {
                _diskFull = null;
                _logger.SpoolDiskFree(_options.Directory);
            }

            _pending.Enqueue(new Entry(_nextId++, _currentSegment, offset + HeaderBytes, record.Length - HeaderBytes, HeaderBytes, readings));
            _remainingPerSegment[_currentSegment] = _remainingPerSegment.GetValueOrDefault(_currentSegment) + 1;
            _bytes += record.Length;
            return SpoolAppendResult.Appended;
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
            stream.Position = entry.PayloadOffset;
            var payload = new byte[entry.Length];
            stream.ReadExactly(payload);
            return new SpoolRecord(entry.Id, payload, entry.Readings);
        }
    }

    /// <summary>Removes the oldest record, which must be <paramref name="record"/>; deletes its segment when that was the last record in it.</summary>
    public void Remove(SpoolRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        string? drained = null;
        lock (_lock)
        {
            if (!_pending.TryPeek(out Entry? entry) || entry.Id != record.Id)
            {
                throw new InvalidOperationException($"spool record {record.Id} is not the oldest");
            }

            _pending.Dequeue();
            _bytes -= entry.HeaderBytes + entry.Length;
            if (--_remainingPerSegment[entry.Segment] == 0)
            {
                _remainingPerSegment.Remove(entry.Segment);
                if (entry.Segment == _currentSegment)
                {
                    CloseCurrent();
                }

                drained = SegmentPath(entry.Segment);
            }

            if (_pending.Count == 0)
            {
                _diskFull = null;
            }
        }

        // Outside the lock: an unlink waits for the file system's journal, which on a disk busy with InfluxDB's own writes
        // took up to 0.5 s, and Append (the alert path's history, a station's PUBACK while InfluxDB is down) waited for it
        // (bench/README.md, "Alerting: the history spool's lock"). The segment is no longer this spool's (numbers only
        // grow, so no new segment takes its name); a crash before the delete reads its records again at the next start,
        // as a crash inside the lock did.
        if (drained is not null)
        {
            DeleteSegment(drained);
        }
    }

    /// <summary>Deletes a drained segment file (a test can slow it down: <c>FileSpoolTests</c>).</summary>
    internal Action<string> DeleteSegment { get; init; } = File.Delete;

    /// <summary>Closes the open segment. Never throws: every record was flushed when it was appended.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            CloseCurrent();
        }
    }

    /// <summary>A record in the current format.</summary>
    internal static byte[] Encode(ReadOnlySpan<byte> payload, int readings)
    {
        var record = new byte[HeaderBytes + payload.Length];
        Magic.CopyTo(record, 0);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), payload.Length);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(8), readings);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), Crc32.HashToUInt32(payload));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(16), Crc32.HashToUInt32(record.AsSpan(0, 16)));
        payload.CopyTo(record.AsSpan(HeaderBytes));
        return record;
    }

    /// <summary>A record in the legacy GCS1 format (no header checksum), for tests of the upgrade path.</summary>
    internal static byte[] EncodeLegacy(ReadOnlySpan<byte> payload, int readings)
    {
        var record = new byte[LegacyHeaderBytes + payload.Length];
        LegacyMagic.CopyTo(record, 0);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), Crc32.HashToUInt32(payload));
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(12), readings);
        payload.CopyTo(record.AsSpan(LegacyHeaderBytes));
        return record;
    }

    /// <summary>
    /// Whether a write error means the file system cannot take more bytes: ENOSPC, EDQUOT (an <see cref="IOException"/>
    /// whose HResult is the errno on Unix), Windows' disk full, or EFBIG, which .NET reports as an
    /// <see cref="ArgumentOutOfRangeException"/> for the parameter <c>value</c>.
    /// </summary>
    internal static bool IsOutOfSpace(Exception exception) =>
        exception is ArgumentOutOfRangeException { ParamName: "value" }
        || exception is IOException { HResult: Enospc or Edquot or Efbig or ErrorDiskFull or ErrorHandleDiskFull };

    private void RollBack(long offset)
    {
        if (_current is null)
        {
            return;
        }

        try
        {
            if (offset >= 0 && _current.Length > offset)
            {
                _current.SetLength(offset);
            }

            _current.Position = _current.Length;
        }
        catch (IOException ex)
        {
            // The segment may keep a torn tail: close it, so nothing is appended after the tear; the next append starts
            // a new segment, and the next start cuts the tear off (reported as damage, since it is not the newest segment).
            _logger.SpoolRollBackFailed(_current.Name, offset, ex.Message);
            CloseCurrent();
        }
    }

    private void CloseCurrent()
    {
        try
        {
            _current?.Dispose();
        }
        catch (IOException ex)
        {
            _logger.SpoolCloseFailed(_current!.Name, ex.Message);
        }

        _current = null;
    }

    private List<(long Number, string Path)> Segments() =>
        Directory.EnumerateFiles(_options.Directory, "spool-*.log")
            .Select(p => (Number: long.TryParse(Path.GetFileNameWithoutExtension(p)["spool-".Length..], out long n) ? n : -1, Path: p))
            .Where(s => s.Number >= 0).OrderBy(s => s.Number).ToList();

    private void Load(long number, string path, bool newest)
    {
        int records = 0;
        bool keep = false;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
        {
            long offset = 0;
            while (offset < stream.Length)
            {
                Scan scan = ReadAt(stream, offset, out Found found, out string problem);
                if (scan == Scan.Valid)
                {
                    if (found.Legacy && found.ReadingsCorrected)
                    {
                        _logger.SpoolLegacyReadings(path, offset, found.Readings);
                    }

                    _pending.Enqueue(new Entry(_nextId++, number, offset + found.HeaderBytes, found.Length, found.HeaderBytes, found.Readings));
                    _bytes += found.HeaderBytes + found.Length;
                    records++;
                    offset += found.HeaderBytes + found.Length;
                    continue;
                }

                long next = FindNextRecord(stream, offset + 1);
                if (next < 0 && scan == Scan.Torn && newest)
                {
                    // A crash while appending: that batch never returned from Append, so it was never acknowledged.
                    _logger.SpoolTorn(path, offset, stream.Length - offset);
                    stream.SetLength(offset);
                    break;
                }

                long end = next < 0 ? stream.Length : next;
                bool kept = Quarantine(stream, path, offset, end, problem);
                keep |= !kept;
                if (next < 0)
                {
                    if (kept)
                    {
                        stream.SetLength(offset);
                    }

                    break;
                }

                offset = next;
            }
        }

        if (records > 0)
        {
            _remainingPerSegment[number] = records;
            _logger.SpoolLoaded(path, records);
            return;
        }

        if (!keep)
        {
            File.Delete(path);
        }
    }

    /// <summary>Copies the damaged bytes [offset, end) to a <c>.corrupt</c> file, counts and reports them; false when the copy failed.</summary>
    private bool Quarantine(FileStream stream, string path, long offset, long end, string problem)
    {
        long bytes = end - offset;
        var damaged = new byte[bytes];
        stream.Position = offset;
        stream.ReadExactly(damaged);
        (int magics, long readings) = CountHeaders(damaged);
        long records = Math.Max(1, magics);
        Interlocked.Add(ref _damagedBytes, bytes);
        Interlocked.Add(ref _damagedRecords, records);
        string copy = Path.Combine(Path.GetDirectoryName(path)!, $"{Path.GetFileNameWithoutExtension(path)}.at-{offset}.corrupt");
        try
        {
            File.WriteAllBytes(copy, damaged);
        }
        catch (IOException ex)
        {
            _logger.SpoolQuarantineFailed(path, offset, bytes, copy, ex.Message);
            return false;
        }

        _logger.SpoolDamaged(path, offset, end, problem, bytes, records, readings, copy);
        return true;
    }

    /// <summary>Magics in a damaged stretch, and the readings of the GCS2 headers among them whose header checksum verifies.</summary>
    private static (int Magics, long Readings) CountHeaders(ReadOnlySpan<byte> bytes)
    {
        int magics = 0;
        long readings = 0;
        for (int i = 0; i + 4 <= bytes.Length; i++)
        {
            ReadOnlySpan<byte> at = bytes[i..];
            if (at.StartsWith(LegacyMagic))
            {
                magics++;
            }
            else if (at.StartsWith(Magic))
            {
                magics++;
                if (at.Length >= HeaderBytes && Crc32.HashToUInt32(at[..16]) == BinaryPrimitives.ReadUInt32LittleEndian(at[16..]))
                {
                    readings += Math.Max(0, BinaryPrimitives.ReadInt32LittleEndian(at[8..]));
                }
            }
        }

        return (magics, readings);
    }

    /// <summary>The offset of the next record from <paramref name="from"/> on whose checksums verify, or -1.</summary>
    private static long FindNextRecord(FileStream stream, long from)
    {
        const int Chunk = 64 * 1024;
        var buffer = new byte[Chunk];
        long position = from;
        while (position < stream.Length)
        {
            stream.Position = position;
            int read = stream.ReadAtLeast(buffer, 1, throwOnEndOfStream: false);
            int searchable = position + read >= stream.Length ? read : read - 3;
            for (int i = 0; i < searchable; i++)
            {
                if (buffer[i] != (byte)'G'
                    || (i + 3 < read && (buffer[i + 1] != (byte)'C' || buffer[i + 2] != (byte)'S' || buffer[i + 3] is not ((byte)'1' or (byte)'2'))))
                {
                    continue;
                }

                if (ReadAt(stream, position + i, out _, out _) == Scan.Valid)
                {
                    return position + i;
                }
            }

            position += Math.Max(1, searchable);
        }

        return -1;
    }

    private static Scan ReadAt(FileStream stream, long offset, out Found found, out string problem)
    {
        found = default;
        long remaining = stream.Length - offset;
        Span<byte> header = stackalloc byte[HeaderBytes];
        int n = (int)Math.Min(remaining, HeaderBytes);
        stream.Position = offset;
        stream.ReadExactly(header[..n]);
        bool current = Magic.AsSpan(0, Math.Min(n, 4)).SequenceEqual(header[..Math.Min(n, 4)]);
        bool legacy = LegacyMagic.AsSpan(0, Math.Min(n, 4)).SequenceEqual(header[..Math.Min(n, 4)]);
        int headerBytes = current ? HeaderBytes : LegacyHeaderBytes;
        if (!current && !legacy)
        {
            problem = "no record magic";
            return Scan.Invalid;
        }

        if (n < headerBytes)
        {
            problem = "torn header";
            return Scan.Torn;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        int readings;
        uint crc;
        if (current)
        {
            if (Crc32.HashToUInt32(header[..16]) != BinaryPrimitives.ReadUInt32LittleEndian(header[16..]))
            {
                problem = "header checksum mismatch";
                return Scan.Invalid;
            }

            readings = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            crc = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        }
        else
        {
            crc = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            readings = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        }

        if (length < 0 || readings < 0)
        {
            problem = "negative length or readings";
            return Scan.Invalid;
        }

        if (remaining - headerBytes < length)
        {
            // With a verified header this is a record cut short; a legacy header has no checksum, so it may also be a
            // damaged length field: the caller resynchronises either way, and only a tear at the very end is "torn".
            problem = "record runs past the end of the segment";
            return Scan.Torn;
        }

        var payload = new byte[length];
        stream.Position = offset + headerBytes;
        stream.ReadExactly(payload);
        if (Crc32.HashToUInt32(payload) != crc)
        {
            problem = "payload checksum mismatch";
            return Scan.Invalid;
        }

        bool corrected = false;
        if (legacy)
        {
            // GCS1 left the readings field unchecked. Every reading is at least one line, so more readings than lines is
            // damage: count the lines instead (a camera-trap reading may take several lines, so this may undercount).
            int lines = payload.AsSpan().Count((byte)'\n');
            if (readings > lines)
            {
                readings = lines;
                corrected = true;
            }
        }

        found = new Found(length, readings, headerBytes, legacy, corrected);
        problem = string.Empty;
        return Scan.Valid;
    }

    private string SegmentPath(long number) => Path.Combine(_options.Directory, $"spool-{number:D12}.log");

    private enum Scan
    {
        Valid,
        Torn,
        Invalid,
    }

    private readonly record struct Found(int Length, int Readings, int HeaderBytes, bool Legacy, bool ReadingsCorrected);

    private sealed record Entry(long Id, long Segment, long PayloadOffset, int Length, int HeaderBytes, int Readings);
}

internal static partial class SpoolLog
{
    [LoggerMessage(LogLevel.Error, "Spool segment {Path} is damaged from byte {Offset} to {End} ({Problem}): {Bytes} bytes, about {Records} batches ({Readings} readings known from intact headers) cannot be read and are quarantined in {Copy}; the records after the damage are read. Inspect the copy, re-import what you can, then delete it (docs/fault-tolerance.md)")]
    public static partial void SpoolDamaged(this ILogger logger, string path, long offset, long end, string problem, long bytes, long records, long readings, string copy);

    [LoggerMessage(LogLevel.Critical, "Spool segment {Path} is damaged from byte {Offset} ({Bytes} bytes) and the quarantine copy {Copy} could not be written ({Message}); the segment is left as it is")]
    public static partial void SpoolQuarantineFailed(this ILogger logger, string path, long offset, long bytes, string copy, string message);

    [LoggerMessage(LogLevel.Warning, "Spool segment {Path} ends in a torn record at byte {Offset} ({Bytes} bytes): an append interrupted by a crash, never acknowledged; cut off")]
    public static partial void SpoolTorn(this ILogger logger, string path, long offset, long bytes);

    [LoggerMessage(LogLevel.Warning, "Spool segment {Path}: the GCS1 record at byte {Offset} claims more readings than it has lines; counted as {Readings}")]
    public static partial void SpoolLegacyReadings(this ILogger logger, string path, long offset, int readings);

    [LoggerMessage(LogLevel.Information, "Spool segment {Path} holds {Records} batches to replay")]
    public static partial void SpoolLoaded(this ILogger logger, string path, int records);

    [LoggerMessage(LogLevel.Error, "The file system of the spool {Directory} is full ({Message}); {Batches} batches spooled. Not acknowledging (back-pressure) until replay or an operator frees space")]
    public static partial void SpoolDiskFull(this ILogger logger, string directory, int batches, string message);

    [LoggerMessage(LogLevel.Information, "The spool {Directory} takes records again")]
    public static partial void SpoolDiskFree(this ILogger logger, string directory);

    [LoggerMessage(LogLevel.Error, "Could not cut a failed append off spool segment {Path} at byte {Offset} ({Message}); the segment is closed and a new one started")]
    public static partial void SpoolRollBackFailed(this ILogger logger, string path, long offset, string message);

    [LoggerMessage(LogLevel.Warning, "Could not close spool segment {Path}: {Message}")]
    public static partial void SpoolCloseFailed(this ILogger logger, string path, string message);
}
