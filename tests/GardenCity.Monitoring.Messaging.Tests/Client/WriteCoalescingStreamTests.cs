using System.Buffers;
using System.Net;
using System.Net.Sockets;
using GardenCity.Monitoring.Messaging.Client;
using MQTTnet;
using MQTTnet.Server;

namespace GardenCity.Monitoring.Messaging.Tests.Client;

/// <summary>
/// The worker's connection gathers its writes (PUBACKs) and sends them together, in order, without losing any: the
/// bytes that reach the other end are exactly those written, a failed send fails the next write, and closing sends
/// what was still waiting.
/// </summary>
public sealed class WriteCoalescingStreamTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task WritesMadeWhileASendIsUnderWay_GoOutTogether_InOrder()
    {
        var inner = new GatedStream();
        var stream = new WriteCoalescingStream(inner);

        await stream.WriteAsync(Packet(0), Ct);
        await inner.FirstWriteStarted.Task.WaitAsync(Ct);
        for (int i = 1; i < 100; i++)
        {
            // Each returns at once although the first send is still blocked.
            await stream.WriteAsync(Packet(i), Ct);
        }

        inner.Release();
        await stream.FlushAsync(Ct);

        Assert.Equal(Enumerable.Range(0, 100).SelectMany(Packet).ToArray(), inner.Received.ToArray());
        Assert.Equal(2, inner.Writes);
    }

    [Fact]
    public async Task BeyondTheBufferLimit_AWriterWaitsForTheSend()
    {
        var inner = new GatedStream();
        var stream = new WriteCoalescingStream(inner);
        await stream.WriteAsync(Packet(0), Ct);
        await inner.FirstWriteStarted.Task.WaitAsync(Ct);
        await stream.WriteAsync(new byte[WriteCoalescingStream.MaxBuffered - 10], Ct);

        Task overLimit = stream.WriteAsync(new byte[100], Ct).AsTask();
        await Task.Delay(200, Ct);
        Assert.False(overLimit.IsCompleted, "a write past the limit returned while the send was blocked");

        inner.Release();
        await overLimit.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await stream.FlushAsync(Ct);
        Assert.Equal(4 + (WriteCoalescingStream.MaxBuffered - 10) + 100, inner.Received.Length);
    }

    [Fact]
    public async Task AfterASendFailed_TheNextWriteFails()
    {
        var inner = new GatedStream { Failure = new IOException("Broken pipe") };
        var stream = new WriteCoalescingStream(inner);
        await stream.WriteAsync(Packet(0), Ct);
        inner.Release();

        IOException? failed = null;
        for (int i = 0; i < 100 && failed is null; i++)
        {
            try
            {
                await stream.WriteAsync(Packet(1), Ct);
                await Task.Delay(20, Ct);
            }
            catch (IOException ex)
            {
                failed = ex;
            }
        }

        Assert.NotNull(failed);
        Assert.Contains("Broken pipe", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_SendsWhatWasStillWaiting_ThenCloses()
    {
        var inner = new GatedStream();
        var stream = new WriteCoalescingStream(inner);
        await stream.WriteAsync(Packet(0), Ct);
        await inner.FirstWriteStarted.Task.WaitAsync(Ct);
        await stream.WriteAsync(Packet(1), Ct);
        _ = Task.Run(async () => { await Task.Delay(100, Ct); inner.Release(); }, Ct);

        await stream.DisposeAsync();

        Assert.Equal(Packet(0).Concat(Packet(1)).ToArray(), inner.Received.ToArray());
        Assert.True(inner.Disposed);
    }

    [Fact]
    public async Task SendAfter_WhatWasWrittenWaitsForTheConditionOfItsTime_ThenGoesOutInOrder()
    {
        var inner = new GatedStream();
        inner.Release();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task condition = first.Task;
        var stream = new WriteCoalescingStream(inner, sendAfter: () => Volatile.Read(ref condition));

        await stream.WriteAsync(Packet(0), Ct);
        Volatile.Write(ref condition, second.Task);
        await stream.WriteAsync(Packet(1), Ct);
        await Task.Delay(200, Ct);
        Assert.Equal(0, inner.Received.Length);

        first.SetResult();
        await Task.Delay(200, Ct);
        Assert.Equal(0, inner.Received.Length); // the second write came after the second condition: both wait for it

        second.SetResult();
        await stream.FlushAsync(Ct);
        Assert.Equal(Packet(0).Concat(Packet(1)).ToArray(), inner.Received.ToArray());
    }

    [Fact]
    public async Task SendAfter_ConditionCancelled_NothingIsSent_TheConnectionIsClosed_AndDisposeSendsNothing()
    {
        var inner = new GatedStream();
        inner.Release();
        var condition = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = new WriteCoalescingStream(inner, sendAfter: () => condition.Task);
        await stream.WriteAsync(Packet(0), Ct);

        condition.SetCanceled(Ct);
        await Assert.ThrowsAsync<IOException>(() => stream.FlushAsync(Ct));
        await Assert.ThrowsAsync<IOException>(() => stream.WriteAsync(Packet(1), Ct).AsTask());
        await stream.DisposeAsync();

        Assert.Equal(0, inner.Received.Length);
        Assert.True(inner.Disposed);
    }

    [Fact]
    public async Task SendAfter_NotYetComplete_DisposeDoesNotSendWhatWaits()
    {
        var inner = new GatedStream();
        inner.Release();
        var condition = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = new WriteCoalescingStream(inner, sendAfter: () => condition.Task);
        await stream.WriteAsync(Packet(0), Ct);

        await stream.DisposeAsync(); // waits DrainTimeout for the send loop, then gives up

        Assert.Equal(0, inner.Received.Length);
        Assert.True(inner.Disposed);
    }

    [Fact]
    public async Task OverARealSocket_AMqttClientPublishesAndIsAcknowledged()
    {
        // MQTTnet's own broker on loopback; the client connects through the provider the workers use.
        int port = FreePort();
        using var server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointPort(port).Build());
        int received = 0;
        server.InterceptingPublishAsync += _ => { Interlocked.Increment(ref received); return Task.CompletedTask; };
        await server.StartAsync();
        try
        {
            using IMqttClient client = new MqttClientFactory().CreateMqttClient();
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port)
                .WithStreamProvider(CoalescingStreamProvider.Instance).WithClientId("coalescing-test").Build(), Ct);

            IEnumerable<Task<MqttClientPublishResult>> publishes = Enumerable.Range(0, 500).Select(i => client.PublishAsync(
                new MqttApplicationMessageBuilder().WithTopic("t/" + i).WithPayload([(byte)i])
                    .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct));
            MqttClientPublishResult[] results = await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(30), Ct);

            Assert.All(results, r => Assert.True(r.IsSuccess, r.ReasonString));
            Assert.Equal(500, received);
            await client.DisconnectIfConnectedAsync();
        }
        finally
        {
            await server.StopAsync();
        }
    }

    [Fact]
    public async Task ReadAhead_MqttnetsHeaderAndBodyReads_AreServedFromOneSocketRead_BytesUnchanged()
    {
        // Three PUBLISH-sized packets as the broker sends them: all in the socket at once.
        byte[] sent = [.. Enumerable.Range(0, 3).SelectMany(i => (byte[])[0x32, 150, .. Enumerable.Repeat((byte)i, 150)])];
        var inner = new ChunkedReadStream(sent, chunk: sent.Length);
        var stream = new WriteCoalescingStream(inner, readAhead: true);

        var got = new List<byte>();
        for (int i = 0; i < 3; i++)
        {
            byte[] header = new byte[2];
            Assert.Equal(2, await stream.ReadAsync(header, Ct));
            byte[] body = new byte[header[1]];
            Assert.Equal(150, await stream.ReadAsync(body, Ct));
            got.AddRange([.. header, .. body]);
        }

        Assert.Equal(sent, got.ToArray());
        Assert.Equal(1, inner.Reads);
        Assert.Equal(0, await stream.ReadAsync(new byte[2], Ct)); // the other end closed
    }

    [Fact]
    public async Task ReadAhead_DataArrivingInPieces_ReadsReturnWhatCame_InOrder()
    {
        byte[] sent = [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))];
        var inner = new ChunkedReadStream(sent, chunk: 333);
        var stream = new WriteCoalescingStream(inner, readAhead: true);

        var got = new List<byte>();
        byte[] buffer = new byte[1000];
        int read;
        while ((read = stream.Read(buffer, 0, 1 + (got.Count % 900))) > 0)
        {
            got.AddRange(buffer.AsSpan(0, read).ToArray());
            read = await stream.ReadAsync(buffer.AsMemory(0, 5), Ct);
            got.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        Assert.Equal(sent, got.ToArray());
    }

    [Fact]
    public async Task ReadAhead_AReadAsLargeAsTheBuffer_GoesToTheSocketDirectly()
    {
        byte[] sent = new byte[WriteCoalescingStream.ReadAheadBytes * 2];
        Random.Shared.NextBytes(sent);
        var inner = new ChunkedReadStream(sent, chunk: sent.Length);
        var stream = new WriteCoalescingStream(inner, readAhead: true);

        byte[] body = new byte[sent.Length];
        Assert.Equal(sent.Length, await stream.ReadAsync(body, Ct));
        Assert.Equal(sent, body);
        Assert.Equal(1, inner.Reads);
    }

    [Fact]
    public async Task OverARealSocket_AMqttClientReceivesEveryMessage_ReadingAhead()
    {
        // Messages of every size around the read-ahead buffer reach a client that connects through the workers' provider.
        int port = FreePort();
        using var server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointPort(port).Build());
        await server.StartAsync();
        try
        {
            using IMqttClient client = new MqttClientFactory().CreateMqttClient();
            var received = new System.Collections.Concurrent.ConcurrentQueue<(string Topic, byte[] Payload)>();
            var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int[] sizes = [.. Enumerable.Range(0, 600).Select(i => i % 100 == 99 ? WriteCoalescingStream.ReadAheadBytes + i : 20 + (i * 37 % 400))];
            client.ApplicationMessageReceivedAsync += e =>
            {
                received.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray()));
                if (received.Count == sizes.Length)
                {
                    all.TrySetResult();
                }

                return Task.CompletedTask;
            };
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port)
                .WithStreamProvider(CoalescingStreamProvider.Instance).WithClientId("read-ahead-test").Build(), Ct);
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("t/#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);

            for (int i = 0; i < sizes.Length; i++)
            {
                await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder().WithTopic("t/" + i)
                    .WithPayload(Payload(i, sizes[i])).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build()), Ct);
            }

            await all.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.Equal(
                Enumerable.Range(0, sizes.Length).Select(i => "t/" + i + ":" + Convert.ToHexString(Payload(i, sizes[i]))),
                received.Select(m => m.Topic + ":" + Convert.ToHexString(m.Payload)));
            await client.DisconnectIfConnectedAsync();
        }
        finally
        {
            await server.StopAsync();
        }
    }

    private static byte[] Payload(int i, int size) => [.. Enumerable.Range(0, size).Select(j => (byte)(i + j))];

    private static byte[] Packet(int i) => [0x40, 0x02, (byte)(i >> 8), (byte)i];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A stream that gives <c>chunk</c> bytes at most per read, as a socket gives what has arrived, and counts its reads.</summary>
    private sealed class ChunkedReadStream(byte[] data, int chunk) : UnseekableStream
    {
        private int _position;

        public int Reads { get; private set; }

        public override bool CanRead => true;

        public override bool CanWrite => false;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Reads++;
            int take = Math.Min(Math.Min(buffer.Length, chunk), data.Length - _position);
            data.AsSpan(_position, take).CopyTo(buffer);
            _position += take;
            return take;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(Read(buffer.Span));

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A stream whose first write blocks until released, and which records what it was sent.</summary>
    private sealed class GatedStream : UnseekableStream
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource FirstWriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public MemoryStream Received { get; } = new();

        public int Writes { get; private set; }

        public Exception? Failure { get; init; }

        public bool Disposed { get; private set; }

        public override bool CanRead => false;

        public override bool CanWrite => true;

        public void Release() => _gate.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            FirstWriteStarted.TrySetResult();
            await _gate.Task.ConfigureAwait(false);
            if (Failure is not null)
            {
                throw Failure;
            }

            Writes++;
            Received.Write(buffer.Span);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            Received.Write(buffer, offset, count);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    /// <summary>What the test streams share: no seeking, no length, nothing to flush.</summary>
    private abstract class UnseekableStream : Stream
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
