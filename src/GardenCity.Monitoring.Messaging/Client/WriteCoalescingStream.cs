using System.Buffers;
using System.Net;
using System.Net.Sockets;
using MQTTnet.Channel;

namespace GardenCity.Monitoring.Messaging.Client;

/// <summary>
/// A TCP stream whose writes are gathered and sent together: a worker's connection to the broker, and each station's
/// connection to the embedded broker. A batch of up to thousands of messages is acknowledged at once, and MQTTnet
/// writes each PUBACK (4 bytes) to the socket by itself: one system call and one TCP segment per message, a fifth of
/// the worker's CPU at a high rate (bench/README.md, "PUBACKs gathered"). Here a write is copied to a buffer and returns; one send loop on the thread pool writes whatever has
/// gathered while the previous send was under way, in order.
/// A worker's connection also reads ahead: MQTTnet reads each packet's fixed header and then its body, two socket reads
/// for a 150-byte message; with <c>readAhead</c> one read takes in what the broker has sent so far (up to
/// <see cref="ReadAheadBytes"/>) and MQTTnet's reads are served from it (bench/README.md, "Mosquitto alone with the peer harness's own publisher, and reads gathered").
/// </summary>
/// <remarks>
/// What an acknowledgement means does not change: the worker calls it only after the messages are durable, and the
/// broker keeps a message until its PUBACK arrives, so a PUBACK lost with a broken connection brings the message back
/// (stored again as the same point). A write fails once a send has failed, so MQTTnet learns that the connection is
/// broken as it would from the socket. Disposing sends what is still buffered first (the DISCONNECT), for at most
/// <see cref="DrainTimeout"/>. At most <see cref="MaxBuffered"/> bytes wait; a writer beyond that waits for the send.
/// <para>
/// A station's connection to the embedded broker also has a <em>send-after</em> condition (its
/// <see cref="Broker.DurabilityGate"/>): what was written is sent only once the task the condition gave at the time of the
/// write has completed, that is once the messages taken before it are durable. Should that task fail or be cancelled
/// (the worker stopping), nothing more is sent and the connection is closed: the station sends those messages again.
/// </para>
/// </remarks>
internal sealed class WriteCoalescingStream : Stream, IMqttClientStreamEndPoints
{
    /// <summary>Bytes that may wait for the send loop before a writer has to wait too.</summary>
    internal const int MaxBuffered = 64 * 1024;

    /// <summary>The read-ahead buffer of a worker's connection.</summary>
    internal const int ReadAheadBytes = 32 * 1024;

    /// <summary>How long disposing waits for the buffered bytes to be sent.</summary>
    internal static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private readonly Stream _inner;
    private readonly Func<Task>? _sendAfter;
    private readonly Lock _gate = new();
    private ArrayBufferWriter<byte> _pending = new(4096);
    private ArrayBufferWriter<byte> _sending = new(4096);
    private Task _sendLoop = Task.CompletedTask;
    private Task _pendingAfter = Task.CompletedTask; // what the bytes in _pending wait for
    private bool _sendLoopRunning;
    private Exception? _failure;

    // What reads go through: the socket's stream itself, or with read-ahead a BufferedStream over it that only reads
    // (writes go to _inner, so its buffer never holds written bytes; one reader at a time, as MQTTnet's receive loop).
    private readonly Stream _reader;

    /// <summary>
    /// Wraps <paramref name="inner"/>, which this stream owns. With <paramref name="sendAfter"/>, what is written is sent
    /// only after the task it returns at the time of the write has completed successfully. With
    /// <paramref name="readAhead"/>, each socket read takes in up to <see cref="ReadAheadBytes"/> (a worker's few
    /// connections; not a station's connection to the embedded broker, where 100,000 idle stations would each hold a buffer).
    /// </summary>
    public WriteCoalescingStream(Stream inner, EndPoint? localEndPoint = null, EndPoint? remoteEndPoint = null, Func<Task>? sendAfter = null, bool readAhead = false)
    {
        _inner = inner;
        _sendAfter = sendAfter;
        _reader = readAhead ? new BufferedStream(inner, ReadAheadBytes) : inner;
        LocalEndPoint = localEndPoint;
        RemoteEndPoint = remoteEndPoint;
    }

    /// <inheritdoc/>
    public EndPoint? LocalEndPoint { get; }

    /// <inheritdoc/>
    public EndPoint? RemoteEndPoint { get; }

    /// <inheritdoc/>
    public override bool CanRead => _inner.CanRead;

    /// <inheritdoc/>
    public override bool CanWrite => _inner.CanWrite;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Connects a socket to <paramref name="endPoint"/> (Nagle off, as MQTTnet's own) and wraps its stream.</summary>
    public static async Task<Stream> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Socket socket = endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new WriteCoalescingStream(new NetworkStream(socket, ownsSocket: true), socket.LocalEndPoint, socket.RemoteEndPoint, readAhead: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _reader.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _reader.ReadAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => _reader.Read(buffer, offset, count);

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer) => _reader.Read(buffer);

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task sending;
            lock (_gate)
            {
                ThrowIfFailed();
                if (_pending.WrittenCount == 0 || _pending.WrittenCount + buffer.Length <= MaxBuffered)
                {
                    _pending.Write(buffer.Span);
                    if (_sendAfter is not null)
                    {
                        _pendingAfter = _sendAfter();
                    }

                    if (!_sendLoopRunning)
                    {
                        _sendLoopRunning = true;
                        _sendLoop = Task.Run(SendLoopAsync, CancellationToken.None);
                    }

                    return;
                }

                sending = _sendLoop;
            }

            await sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Waits until everything written so far has been handed to the socket.</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        Task sending;
        lock (_gate)
        {
            ThrowIfFailed();
            sending = _sendLoop;
        }

        await sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            ThrowIfFailed();
        }
    }

    /// <inheritdoc/>
    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Drain();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            ArrayBufferWriter<byte> batch;
            Task after;
            lock (_gate)
            {
                if (_pending.WrittenCount == 0 || _failure is not null)
                {
                    _sendLoopRunning = false;
                    return;
                }

                (_pending, _sending) = (_sending, _pending);
                batch = _sending;
                (after, _pendingAfter) = (_pendingAfter, Task.CompletedTask);
            }

            try
            {
                if (!after.IsCompletedSuccessfully)
                {
                    await WaitToSendAsync(after).ConfigureAwait(false);
                }

                await _inner.WriteAsync(batch.WrittenMemory).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
            {
                lock (_gate)
                {
                    _failure = ex;
                    _sendLoopRunning = false;
                }

                return;
            }

            batch.ResetWrittenCount();
        }
    }

    /// <summary>
    /// Waits for the send-after condition of a batch; when it fails, closes the connection (IOException): nothing
    /// written after it may be sent, and the other side must learn that the connection is gone.
    /// </summary>
    private async Task WaitToSendAsync(Task after)
    {
        try
        {
            await after.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
            throw new IOException("What was written waited for a condition that failed; the connection is closed unsent: " + ex.Message, ex);
        }
    }

    /// <summary>Lets the send loop finish, then sends anything it left (bounded by <see cref="DrainTimeout"/>).</summary>
    private void Drain()
    {
        Task sending;
        lock (_gate)
        {
            sending = _sendLoop;
        }

        if (!sending.Wait(DrainTimeout))
        {
            return;
        }

        lock (_gate)
        {
            if (_failure is not null || _sendLoopRunning || _pending.WrittenCount == 0 || !_pendingAfter.IsCompletedSuccessfully)
            {
                return; // failed, still sending, nothing left, or held (not durable): never sent
            }

            try
            {
                _inner.Write(_pending.WrittenSpan);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
            {
                // The connection is gone; there is nobody to send the rest to.
            }

            _pending.ResetWrittenCount();
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw new IOException("The connection to the broker failed: " + _failure.Message, _failure);
        }
    }
}
