using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>A station-like MQTT client that publishes at QoS 1 and waits for each PUBACK.</summary>
public sealed class TestPublisher : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private TestPublisher(IMqttClient client)
    {
        _client = client;
    }

    public static async Task<TestPublisher> ConnectAsync(int port, string? clientId = null, string? username = null, string? password = null, MqttProtocolVersion version = MqttProtocolVersion.V311)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId ?? "pub-" + Guid.NewGuid().ToString("N")[..8])
            .WithProtocolVersion(version);
        if (username is not null)
        {
            builder = builder.WithCredentials(username, password);
        }

        var publisher = new TestPublisher(client);
        client.DisconnectedAsync += e =>
        {
            publisher.Disconnected = $"{e.Reason} ({e.ReasonString}), client was connected: {e.ClientWasConnected}, {e.Exception?.GetType().Name}: {e.Exception?.Message}";
            return Task.CompletedTask;
        };
        MqttClientConnectResult result = await client.ConnectAsync(builder.Build(), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return publisher;
    }

    public IMqttClient Client => _client;

    /// <summary>How the connection ended, as the client saw it (reason, exception); null while it lasts. For failure messages.</summary>
    public string? Disconnected { get; private set; }

    public async Task PublishAsync(string topic, string json, bool retain = false)
    {
        MqttClientPublishResult result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(json)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build(), TestContext.Current.CancellationToken);
        Assert.True(result.IsSuccess, $"publish to {topic} failed: {result.ReasonCode}");
    }

    /// <summary>Publishes raw bytes at QoS 1 and waits for the PUBACK.</summary>
    public async Task PublishBytesAsync(string topic, byte[] payload)
    {
        MqttClientPublishResult result = await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);
        Assert.True(result.IsSuccess, $"publish to {topic} failed: {result.ReasonCode}");
    }

    /// <summary>Publishes at QoS 1 and returns the broker's answer, whatever it is.</summary>
    public Task<MqttClientPublishResult> TryPublishAsync(string topic, string json) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(json).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
        }

        _client.Dispose();
    }
}
