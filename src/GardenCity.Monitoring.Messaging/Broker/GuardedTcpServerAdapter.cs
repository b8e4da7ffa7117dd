using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using GardenCity.Monitoring.Messaging.Client;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>
/// One TCP listener of the embedded broker (plain, or TLS with <c>certificate</c>), in place of MQTTnet's own, which
/// has no maximum packet size, no limit of connections waiting for their CONNECT, and no TLS handshake timeout. Each
/// connection's bytes pass a <see cref="PacketSizeGuardChannel"/>; at most <see cref="EmbeddedBrokerOptions.MaxPendingConnections"/>
/// connections (of all listeners together; <see cref="EmbeddedBrokerOptions.MaxPendingConnectionsPerSource"/> from one
/// address) may be waiting for their first packet, later ones are closed at once; the
/// TLS handshake must end within <see cref="EmbeddedBrokerOptions.ConnectTimeout"/> (the CONNECT itself is timed by
/// MQTTnet's <c>DefaultCommunicationTimeout</c>, set to the same value). Listens on exactly the configured address.
/// </summary>
internal sealed class GuardedTcpServerAdapter : IMqttServerAdapter
{
    private readonly IPEndPoint _endpoint;
    private readonly X509Certificate2? _certificate;
    private readonly EmbeddedBrokerOptions _options;
    private readonly PendingConnections _pending;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _listenerTag;
    private Socket? _socket;
    private CancellationTokenSource? _stopping;
    private IMqttNetLogger _mqttLogger = MqttNetNullLogger.Instance;
    private MqttServerOptions? _serverOptions;

    public GuardedTcpServerAdapter(IPEndPoint endpoint, X509Certificate2? certificate, EmbeddedBrokerOptions options, PendingConnections pending, BrokerMetrics metrics, ILogger logger)
    {
        _endpoint = endpoint;
        _certificate = certificate;
        _options = options;
        _pending = pending;
        _metrics = metrics;
        _logger = logger;
        _listenerTag = new("listener", certificate is null ? "tcp" : "tls");
    }

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _serverOptions = options;
        _mqttLogger = logger ?? MqttNetNullLogger.Instance;
        var socket = new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(_endpoint);
            socket.Listen(_options.MaxPendingConnections);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        _stopping = new CancellationTokenSource();
        CancellationToken token = _stopping.Token;
        _ = Task.Run(() => AcceptAsync(socket, token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    public void Dispose() => Stop();

    private void Stop()
    {
        _stopping?.Cancel();
        _stopping?.Dispose();
        _stopping = null;
        _socket?.Dispose();
        _socket = null;
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.BrokerAcceptFailed(ex.SocketErrorCode.ToString());
                continue;
            }

            PendingConnections.Slot? slot = _pending.TryEnter((client.RemoteEndPoint as IPEndPoint)?.Address);
            if (slot is null)
            {
                _metrics.ConnectionsClosed.Add(1, new KeyValuePair<string, object?>("reason", "pending_limit"), _listenerTag);
                if (_pending.TryClaimFullWarning())
                {
                    _logger.BrokerPendingConnectionsFull(_options.MaxPendingConnections, _options.MaxPendingConnectionsPerSource);
                }

                client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => HandleAsync(client, slot, stopping), CancellationToken.None);
        }
    }

    private async Task HandleAsync(Socket client, PendingConnections.Slot slot, CancellationToken stopping)
    {
        EndPoint? remote = null;
        Stream? stream = null;
        try
        {
            remote = client.RemoteEndPoint;
            client.NoDelay = true;
            client.LingerState = new LingerOption(true, 0);
            // PUBACKs leave in bursts, when a batch is durable: gathered per connection (WriteCoalescingStream), and held
            // by the connection's DurabilityGate until the messages taken before them are durable.
            var durable = new DurabilityGate();
            stream = new WriteCoalescingStream(new NetworkStream(client, ownsSocket: true), client.LocalEndPoint, remote, () => durable.Last);
            if (_certificate is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                handshake.CancelAfter(_options.ConnectTimeout);
                try
                {
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _certificate,
                        ClientCertificateRequired = false,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    }, handshake.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or AuthenticationException or IOException)
                {
                    _metrics.ConnectionsClosed.Add(1, new KeyValuePair<string, object?>("reason", "tls_handshake"), _listenerTag);
                    return;
                }
            }

            Func<IMqttChannelAdapter, Task>? handler = ClientHandler;
            if (handler is null || _serverOptions is null)
            {
                return;
            }

            string from = remote?.ToString() ?? "?";
            var channel = new PacketSizeGuardChannel(
                new MqttTcpChannel(stream, _endpoint, remote, null),
                _options.MaxPacketSize,
                slot.Leave,
                claimed =>
                {
                    _metrics.ConnectionsClosed.Add(1, new KeyValuePair<string, object?>("reason", "packet_too_large"), _listenerTag);
                    _logger.BrokerPacketTooLarge(from, claimed, _options.MaxPacketSize);
                });
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_serverOptions.WriterBufferSize, _serverOptions.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, _mqttLogger) { AllowPacketFragmentation = true };
            DurabilityGate.Current = durable; // MQTTnet's receive loop for this connection runs in this flow
            await handler(adapter).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away; MQTTnet has already ended its session.
        }
        finally
        {
            slot.Leave();
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                client.Dispose();
            }
        }
    }
}

/// <summary>
/// Connections accepted by any listener that have not yet sent their first packet, in all and per source address
/// (so that one source holding its share cannot keep everyone else out). Thread-safe.
/// </summary>
internal sealed class PendingConnections(int maximum, int perSource)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPAddress, int> _bySource = new();
    private readonly Lock _lock = new();
    private int _count;
    private int _warned;

    /// <summary>Connections waiting now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes a place for a connection from <paramref name="source"/>; <see langword="null"/> when all places (or the source's) are taken.</summary>
    public Slot? TryEnter(IPAddress? source)
    {
        lock (_lock)
        {
            int fromSource = source is null ? 0 : _bySource.GetValueOrDefault(source);
            if (_count >= maximum || fromSource >= perSource)
            {
                return null;
            }

            _count++;
            if (source is not null)
            {
                _bySource[source] = fromSource + 1;
            }

            return new Slot(this, source);
        }
    }

    /// <summary>True once per episode of being full (so the log says it once, the metric counts every one).</summary>
    public bool TryClaimFullWarning() => Interlocked.Exchange(ref _warned, 1) == 0;

    private void Leave(IPAddress? source)
    {
        lock (_lock)
        {
            _count--;
            if (source is not null && _bySource.TryGetValue(source, out int n))
            {
                if (n <= 1)
                {
                    _bySource.TryRemove(source, out _);
                }
                else
                {
                    _bySource[source] = n - 1;
                }
            }

            if (_count < maximum / 2)
            {
                _warned = 0;
            }
        }
    }

    /// <summary>One connection's place, given back once, whichever comes first: its first packet or its end.</summary>
    public sealed class Slot(PendingConnections owner, IPAddress? source)
    {
        private int _left;

        public void Leave()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                owner.Leave(source);
            }
        }
    }
}
