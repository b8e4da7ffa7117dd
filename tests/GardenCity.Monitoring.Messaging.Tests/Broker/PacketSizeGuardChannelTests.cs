using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using GardenCity.Monitoring.Messaging.Broker;
using MQTTnet.Channel;

namespace GardenCity.Monitoring.Messaging.Tests.Broker;

public sealed class PacketSizeGuardChannelTests
{
    private int _firstPackets;
    private readonly List<long> _tooLarge = [];

    private PacketSizeGuardChannel Create(int max = 1024) => new(new NoChannel(), max, () => _firstPackets++, _tooLarge.Add);

    [Fact]
    public void Inspect_ConnectClaiming250MB_RefusedAtTheLengthBytes()
    {
        // CONNECT (0x10), remaining length 250,000,000 as a 4-byte variable integer; nothing of the body follows.
        byte[] header = [0x10, .. RemainingLength(250_000_000)];

        Assert.False(Create().Inspect(header));
        Assert.Equal([1 + 4 + 250_000_000L], _tooLarge);
        Assert.Equal(0, _firstPackets);
    }

    [Fact]
    public void Inspect_PacketsOfTheLimitSplitByteByByte_PassAndTheFirstIsReportedOnce()
    {
        PacketSizeGuardChannel guard = Create(max: 300);
        byte[] connect = [0x10, .. RemainingLength(20), .. new byte[20]];
        byte[] publish = [0x32, .. RemainingLength(300 - 3), .. new byte[300 - 3]]; // exactly 300 bytes with its header
        byte[] ping = [0xC0, 0x00];
        byte[] stream = [.. connect, .. publish, .. ping, .. publish];

        Assert.All(stream, b => Assert.True(guard.Inspect([b])));
        Assert.Equal(1, _firstPackets);
        Assert.Empty(_tooLarge);
    }

    [Fact]
    public void Inspect_OneByteOverTheLimit_Refused()
    {
        PacketSizeGuardChannel guard = Create(max: 300);
        byte[] connect = [0x10, .. RemainingLength(20), .. new byte[20]];
        byte[] publish = [0x32, .. RemainingLength(301 - 3)];

        Assert.True(guard.Inspect(connect));
        Assert.False(guard.Inspect(publish));
        Assert.Equal([301L], _tooLarge);
    }

    [Fact]
    public void Inspect_FiveLengthBytes_RefusedAsMalformed()
    {
        Assert.False(Create(max: 268_435_455).Inspect([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]));
        Assert.Equal([-1L], _tooLarge);
    }

    [Fact]
    public async Task ReadAsync_TooLarge_ReturnsEndOfStreamAndClosesTheConnection()
    {
        var inner = new NoChannel { Data = [0x30, .. RemainingLength(10 * 1024 * 1024)] };
        using var guard = new PacketSizeGuardChannel(inner, 1024, () => { }, _tooLarge.Add);

        int read = await guard.ReadAsync(new byte[8], 0, 8, TestContext.Current.CancellationToken);

        Assert.Equal(0, read);
        Assert.True(inner.Disposed);
    }

    private static byte[] RemainingLength(int value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value % 128);
            value /= 128;
            bytes.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);
        return [.. bytes];
    }

    private sealed class NoChannel : IMqttChannel
    {
        public byte[] Data { get; init; } = [];

        public bool Disposed { get; private set; }

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 2);

        public bool IsSecureConnection => false;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int n = Math.Min(count, Data.Length);
            Data.AsSpan(0, n).CopyTo(buffer.AsSpan(offset));
            return Task.FromResult(n);
        }

        public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => Disposed = true;
    }
}
