using System.Net;
using System.Buffers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using MQTTnet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace GardenCity.Monitoring.Ingestion.Broker;

/// <summary>
/// Runs an in-process MQTTnet broker with persistent sessions. It starts in <see cref="StartAsync"/>, before the
/// ingestion worker connects. Sessions and queues are in memory: see docs for what that means for durability.
/// </summary>
public sealed class EmbeddedBrokerService(IOptions<EmbeddedBrokerOptions> options, StationRegistry registry, ILogger<EmbeddedBrokerService> logger) : IHostedService, IDisposable
{
    private IPublishInterceptor? _interceptor;

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
        await _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = BrokerAuthorizer.InternalUser }, cancellationToken).ConfigureAwait(false);
    }

    private readonly BrokerAuthorizer _authorizer = new(registry, options.Value.ServiceAccounts, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
    private MqttServer? _server;

    /// <summary>Credentials for workers of this process (see <see cref="BrokerAuthorizer.InternalUser"/>).</summary>
    public (string Username, string Password) InternalCredentials => (BrokerAuthorizer.InternalUser, _authorizer.InternalPassword);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _awaitedSubscribers = new(StringComparer.Ordinal);

    /// <summary>
    /// Holds station connections back (MQTT "server unavailable", so stations retry) until the worker
    /// <paramref name="clientId"/> of this process (ingestion, alerting) has subscribed: otherwise a station connecting
    /// in the first moments after start would publish to nobody and its readings would be lost for that worker.
    /// </summary>
    public void HoldConnectionsUntilSubscribed(string clientId) => _awaitedSubscribers[clientId] = true;

    /// <summary>Called by a worker once subscribed; the broker opens to stations when no worker is awaited.</summary>
    public void SubscriberReady(string clientId) => _awaitedSubscribers.TryRemove(clientId, out _);

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
        MqttServerOptionsBuilder builder = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(address)
            .WithDefaultEndpointPort(Port)
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(o.MaxPendingMessagesPerClient);
        if (o.TlsPort > 0)
        {
            builder = builder.WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(address)
                .WithEncryptedEndpointPort(o.TlsPort)
                .WithEncryptionCertificate(X509CertificateLoader.LoadPkcs12FromFile(o.TlsCertificatePath, o.TlsCertificatePassword));
        }

        _server = factory.CreateMqttServer(builder.Build());
        _server.ValidatingConnectionAsync += ValidateConnection;
        _server.InterceptingPublishAsync += AuthorizePublish;
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
            return Task.CompletedTask;
        }

        if (options.Value.AllowAnonymous)
        {
            return Task.CompletedTask;
        }

        (PrincipalKind kind, string reason) = _authorizer.Authenticate(e.ClientId, e.UserName, e.Password);
        if (kind == PrincipalKind.None)
        {
            e.ReasonCode = reason.Contains("client id", StringComparison.Ordinal) ? MqttConnectReasonCode.ClientIdentifierNotValid : MqttConnectReasonCode.BadUserNameOrPassword;
            e.ReasonString = reason;
            logger.ConnectionRefused(e.ClientId, e.UserName ?? string.Empty, reason);
        }

        return Task.CompletedTask;
    }

    private async Task AuthorizePublish(InterceptingPublishEventArgs e)
    {
        string topic = e.ApplicationMessage.Topic;
        bool ours = e.ClientId == BrokerAuthorizer.InternalUser; // what this process injects (dead letters)
        bool fromServer = string.IsNullOrEmpty(e.ClientId);
        if (!ours && !fromServer && !options.Value.AllowAnonymous && !_authorizer.MayPublish(e.UserName, topic))
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = "a station may publish only under its own id and kind";
            logger.PublishRefused(e.ClientId, topic);
            return;
        }

        if (_interceptor is not null && !ours && !WireTopic.IsSystemOutput(topic))
        {
            // The station's PUBACK goes back only when this returns: after the reading is durable. Not the client's token:
            // a Last Will is published as its client goes away, and it must be stored all the same.
            await _interceptor.IngestAsync(topic, e.ApplicationMessage.Payload.ToArray(), CancellationToken.None).ConfigureAwait(false);
        }
    }

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
