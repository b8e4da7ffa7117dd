using System.Buffers;
using System.Collections;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using MQTTnet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>
/// Runs an in-process MQTTnet broker with persistent sessions. It starts in <see cref="StartAsync"/>, before the
/// ingestion worker connects. Sessions and queues are in memory: see docs for what that means for durability.
/// Its listeners are <see cref="GuardedTcpServerAdapter"/>s (maximum packet size, pending-connection limit, CONNECT
/// timeout); logins go through <see cref="BrokerAuthorizer"/> with a <see cref="FailedLoginLimiter"/>.
/// </summary>
public sealed class EmbeddedBrokerService(
    IOptions<EmbeddedBrokerOptions> options,
    StationRegistry registry,
    BrokerMetrics metrics,
    TimeProvider time,
    ILogger<EmbeddedBrokerService> logger) : IHostedService, IDisposable
{
    /// <summary>Session item holding the protocol version of the session's current connection.</summary>
    private static readonly object ProtocolVersionKey = new();

    private readonly BrokerAuthorizer _authorizer = new(
        registry,
        options.Value.ServiceAccounts,
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)),
        new FailedLoginLimiter(options.Value.MaxFailedLoginsPerSource, options.Value.MaxFailedLoginsPerUser, options.Value.FailedLoginWindow, time));

    /// <summary>
    /// The session items of what this process injects (dead letters): the one mark of an in-process publish that no
    /// network client can carry (its client id and user name are only strings).
    /// </summary>
    private readonly Hashtable _injected = [];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _awaitedSubscribers = new(StringComparer.Ordinal);
    private IPublishInterceptor? _interceptor;
    private MqttServer? _server;

    /// <summary>All-in-one mode: station messages are made durable by <paramref name="interceptor"/> before their PUBACK.</summary>
    public void InterceptWith(IPublishInterceptor interceptor) => _interceptor = interceptor;

    /// <summary>Publishes one of the system's outputs (e.g. a dead letter) into the broker at QoS 1.</summary>
    public async Task PublishOutputAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        if (_server is null)
        {
            return;
        }

        MqttApplicationMessage message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithContentType("application/json").Build();
        var injected = new InjectedMqttApplicationMessage(message)
        {
            SenderClientId = BrokerAuthorizer.InternalUser,
            SenderUserName = BrokerAuthorizer.InternalUser,
            CustomSessionItems = _injected,
        };
        await _server.InjectApplicationMessage(injected, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Credentials for workers of this process (see <see cref="BrokerAuthorizer.InternalUser"/>).</summary>
    public (string Username, string Password) InternalCredentials => (BrokerAuthorizer.InternalUser, _authorizer.InternalPassword);

    /// <summary>The broker's authenticator (its count of PBKDF2 checks shows what a login storm costs).</summary>
    public BrokerAuthorizer Authorizer => _authorizer;

    /// <summary>
    /// Holds station connections back (MQTT "server unavailable", so stations retry) until the worker
    /// <paramref name="clientId"/> of this process (ingestion, alerting) has subscribed: otherwise a station connecting
    /// in the first moments after start would publish to nobody and its readings would be lost for that worker.
    /// </summary>
    public void HoldConnectionsUntilSubscribed(string clientId) => _awaitedSubscribers[clientId] = true;

    /// <summary>Called by a worker once subscribed; the broker opens to stations when no worker is awaited.</summary>
    public void SubscriberReady(string clientId) => _awaitedSubscribers.TryRemove(clientId, out _);

    /// <summary>Workers of this process the broker still waits for before it lets stations in (empty once open).</summary>
    public IReadOnlyCollection<string> AwaitedSubscribers => [.. _awaitedSubscribers.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Whether the broker listens (between <see cref="StartAsync"/> and stop).</summary>
    public bool IsListening => _server?.IsStarted == true;

    /// <summary>The port the broker listens on, known once started (useful with port 0).</summary>
    public int Port { get; private set; }

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        EmbeddedBrokerOptions o = options.Value;
        if (!IPAddress.TryParse(o.BindAddress, out IPAddress? address))
        {
            throw new OptionsValidationException(EmbeddedBrokerOptions.SectionName, typeof(EmbeddedBrokerOptions), [$"{EmbeddedBrokerOptions.SectionName}:BindAddress '{o.BindAddress}' is not an IP address."]);
        }

        Port = o.Port == 0 ? FreePort(address) : o.Port;
        var factory = new MqttServerFactory();
        MqttServerOptions serverOptions = factory.CreateServerOptionsBuilder()
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(o.MaxPendingMessagesPerClient)
            .WithDefaultCommunicationTimeout(o.ConnectTimeout) // MQTTnet waits this long for the CONNECT packet
            .Build();
        var pending = new PendingConnections(o.MaxPendingConnections, o.MaxPendingConnectionsPerSource);
        List<IMqttServerAdapter> listeners = [new GuardedTcpServerAdapter(new IPEndPoint(address, Port), null, o, pending, metrics, logger)];
        if (o.TlsPort > 0)
        {
            X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12FromFile(o.TlsCertificatePath, o.TlsCertificatePassword);
            listeners.Add(new GuardedTcpServerAdapter(new IPEndPoint(address, o.TlsPort), certificate, o, pending, metrics, logger));
        }

        _server = factory.CreateMqttServer(serverOptions, listeners);
        _server.ValidatingConnectionAsync += ValidateConnection;
        _server.ClientConnectedAsync += RememberProtocol;
        _server.InterceptingPublishAsync += AuthorizePublishAsync;
        _server.InterceptingSubscriptionAsync += AuthorizeSubscription;
        try
        {
            await _server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new InvalidOperationException($"The embedded MQTT broker cannot listen on {address}:{Port}: {ex.Message}. Is another broker running there? Set GardenCity:Broker:Port or GardenCity:Mqtt:Host.", ex);
        }

        logger.BrokerStarted(address.ToString(), Port);
    }

    private Task ValidateConnection(ValidatingConnectionEventArgs e)
    {
        if (!_awaitedSubscribers.IsEmpty && !_awaitedSubscribers.Keys.Any(k => e.ClientId.StartsWith(k, StringComparison.Ordinal)))
        {
            e.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            e.ReasonString = "the workers are starting; try again shortly";
            metrics.LoginsRefused.Add(1, new KeyValuePair<string, object?>("reason", "starting"));
            return Task.CompletedTask;
        }

        if (options.Value.AllowAnonymous)
        {
            return Task.CompletedTask;
        }

        string? source = (e.RemoteEndPoint as IPEndPoint)?.Address.ToString();
        LoginResult login = _authorizer.Authenticate(e.ClientId, e.UserName, e.Password, source);
        switch (login.Failure)
        {
            case LoginFailure.None:
                return Task.CompletedTask;
            case LoginFailure.RateLimited:
                e.ReasonCode = MqttConnectReasonCode.QuotaExceeded;
                logger.ConnectionRateLimited(e.ClientId, e.UserName ?? string.Empty, source ?? string.Empty);
                break;
            case LoginFailure.ClientIdNotValid:
                e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
                logger.ConnectionRefused(e.ClientId, e.UserName ?? string.Empty, login.Reason);
                break;
            default:
                e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
                logger.ConnectionRefused(e.ClientId, e.UserName ?? string.Empty, login.Reason);
                break;
        }

        e.ReasonString = login.Reason;
        metrics.LoginsRefused.Add(1, new KeyValuePair<string, object?>("reason", ReasonTag(login.Failure)));
        return Task.CompletedTask;
    }

    private static string ReasonTag(LoginFailure failure) => failure switch
    {
        LoginFailure.RateLimited => "rate_limited",
        LoginFailure.ClientIdNotValid => "client_id",
        LoginFailure.MissingCredentials => "missing_credentials",
        _ => "bad_credentials",
    };

    private Task RememberProtocol(ClientConnectedEventArgs e)
    {
        // The session's items, not the CONNECT's: a resumed session keeps the items of its first connection.
        e.SessionItems[ProtocolVersionKey] = e.ProtocolVersion;
        return Task.CompletedTask;
    }

    private async Task AuthorizePublishAsync(InterceptingPublishEventArgs e)
    {
        string topic = e.ApplicationMessage.Topic;
        bool ours = ReferenceEquals(e.SessionItems, _injected); // what this process injects (dead letters); never a network client
        if (!ours && !options.Value.AllowAnonymous && !_authorizer.MayPublish(e.UserName, topic))
        {
            // Rights follow the authenticated user name of the connection, never its client id.
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = "a station may publish only under its own id and kind";
            MqttProtocolVersion protocol = e.SessionItems?[ProtocolVersionKey] is MqttProtocolVersion v ? v : MqttProtocolVersion.Unknown;
            metrics.PublishesRefused.Add(1, new KeyValuePair<string, object?>("protocol", ProtocolTag(protocol)));
            if (protocol is MqttProtocolVersion.V311 or MqttProtocolVersion.V310)
            {
                // 3.1.1 has no reason code in its PUBACK: a plain PUBACK would tell the station its data was taken.
                e.CloseConnection = true;
                logger.PublishRefusedDisconnected(e.ClientId, e.UserName ?? string.Empty, topic);
            }
            else
            {
                logger.PublishRefused(e.ClientId, topic);
            }

            return;
        }

        if (_interceptor is not null && !ours && !WireTopic.IsSystemOutput(topic))
        {
            // Taken (waits while the ingestion queue is full: back-pressure), with the payload's one copy. Not the client's
            // token: a Last Will is published as its client goes away, and it must be stored all the same.
            Task durable = await _interceptor.TakeAsync(topic, e.ApplicationMessage.Payload.ToArray(), Client.MqttTraceContext.Extract(e.ApplicationMessage), CancellationToken.None).ConfigureAwait(false);
            if (DurabilityGate.Current is { } gate)
            {
                // The PUBACK MQTTnet writes after this returns waits in the connection's stream until the message is
                // durable; meanwhile the station's next message is read and taken (docs/architecture.md, "All-in-one").
                gate.Hold(durable);
            }
            else
            {
                await durable.ConfigureAwait(false); // a connection without a gate: the PUBACK waits here
            }
        }
    }

    private static string ProtocolTag(MqttProtocolVersion protocol) => protocol switch
    {
        MqttProtocolVersion.V310 => "3.1",
        MqttProtocolVersion.V311 => "3.1.1",
        MqttProtocolVersion.V500 => "5.0",
        _ => "unknown",
    };

    private Task AuthorizeSubscription(InterceptingSubscriptionEventArgs e)
    {
        if (options.Value.AllowAnonymous || _authorizer.MaySubscribe(e.UserName, e.TopicFilter.Topic))
        {
            return Task.CompletedTask;
        }

        e.ProcessSubscription = false;
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        logger.SubscribeRefused(e.ClientId, e.TopicFilter.Topic);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _server?.Dispose();

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
