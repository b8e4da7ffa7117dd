using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>
/// Reads a client's byte stream for MQTTnet and follows the MQTT framing as it passes (fixed header, remaining
/// length, body): when a packet's header claims more than the maximum packet size, the connection is closed before
/// MQTTnet sees that length (MQTTnet 5.2 allocates the whole body as soon as it has read the header, and has no
/// maximum packet size of its own). Also reports the end of the first packet (the CONNECT). Not thread-safe for reads,
/// like the channel it wraps (MQTTnet reads a connection from one loop).
/// </summary>
internal sealed class PacketSizeGuardChannel : IMqttChannel
{
    private readonly IMqttChannel _inner;
    private readonly int _maxPacketSize;
    private readonly Action _firstPacketRead;
    private readonly Action<long> _tooLarge;
    private State _state;
    private long _length;
    private int _shift;
    private int _headerBytes;
    private long _bodyLeft;
    private bool _firstPacketDone;
    private bool _closed;

    public PacketSizeGuardChannel(IMqttChannel inner, int maxPacketSize, Action firstPacketRead, Action<long> tooLarge)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _maxPacketSize = maxPacketSize;
        _firstPacketRead = firstPacketRead;
        _tooLarge = tooLarge;
    }

    private enum State
    {
        Type,
        Length,
        Body,
    }

    public X509Certificate2 ClientCertificate => _inner.ClientCertificate;

    public EndPoint RemoteEndPoint => _inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => _inner.LocalEndPoint;

    public bool IsSecureConnection => _inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => _inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => _inner.DisconnectAsync(cancellationToken);

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return 0;
        }

        int read = await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        if (read > 0 && !Inspect(buffer.AsSpan(offset, read)))
        {
            // Closed as if the client had gone: MQTTnet ends the connection quietly, without a buffer of the claimed size.
            _closed = true;
            _inner.Dispose();
            return 0;
        }

        return read;
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

    public void Dispose() => _inner.Dispose();

    /// <summary>Follows the framing over <paramref name="data"/>; false when a packet is too large or its length malformed.</summary>
    internal bool Inspect(ReadOnlySpan<byte> data)
    {
        int i = 0;
        while (i < data.Length)
        {
            switch (_state)
            {
                case State.Type:
                    _state = State.Length;
                    _length = 0;
                    _shift = 0;
                    _headerBytes = 1;
                    i++;
                    break;
                case State.Length:
                    byte b = data[i++];
                    _length |= (long)(b & 0x7F) << _shift;
                    _shift += 7;
                    _headerBytes++;
                    if ((b & 0x80) != 0)
                    {
                        if (_shift >= 28)
                        {
                            _tooLarge(-1); // more than four length bytes: malformed
                            return false;
                        }

                        break;
                    }

                    if (_headerBytes + _length > _maxPacketSize)
                    {
                        _tooLarge(_headerBytes + _length);
                        return false;
                    }

                    if (_length == 0)
                    {
                        PacketDone();
                    }
                    else
                    {
                        _bodyLeft = _length;
                        _state = State.Body;
                    }

                    break;
                default:
                    int take = (int)Math.Min(_bodyLeft, data.Length - i);
                    _bodyLeft -= take;
                    i += take;
                    if (_bodyLeft == 0)
                    {
                        PacketDone();
                    }

                    break;
            }
        }

        return true;
    }

    private void PacketDone()
    {
        _state = State.Type;
        if (!_firstPacketDone)
        {
            _firstPacketDone = true;
            _firstPacketRead();
        }
    }
}
