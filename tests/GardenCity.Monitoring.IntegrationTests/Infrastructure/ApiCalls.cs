using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using MQTTnet;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>Requests to the API with a key in <c>X-Api-Key</c>, and the retained MQTT message of a topic, as the tests read them.</summary>
internal static class ApiCalls
{
    /// <summary>GET with a key: the status and the body as JSON (default when empty).</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(HttpClient http, string path, string key, CancellationToken ct)
    {
        (HttpStatusCode status, string text) = await SendAsync(http, HttpMethod.Get, path, key, null, ct);
        return (status, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>GET with a key that must answer 200: the body as text.</summary>
    public static async Task<string> GetTextAsync(HttpClient http, string path, string key, CancellationToken ct)
    {
        (HttpStatusCode status, string text) = await SendAsync(http, HttpMethod.Get, path, key, null, ct);
        Assert.Equal(HttpStatusCode.OK, status);
        return text;
    }

    /// <summary>POST of a JSON body with a key: the status and the answer as JSON (default when empty).</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(HttpClient http, string path, string json, string key, CancellationToken ct)
    {
        (HttpStatusCode status, string text) = await SendAsync(http, HttpMethod.Post, path, key, json, ct);
        return (status, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Any request with a key: the status and the body as text.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, HttpMethod method, string path, string key, string? json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        request.Headers.Add("X-Api-Key", key);
        using HttpResponseMessage response = await http.SendAsync(request, ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>The retained message on <paramref name="topic"/> of the broker on <paramref name="port"/> (waits up to 10 s for it), logged in with <paramref name="credentials"/> if given.</summary>
    public static async Task<JsonElement> RetainedAsync(int port, string topic, CancellationToken ct, (string User, string Password)? credentials = null)
    {
        var received = new ConcurrentQueue<byte[]>();
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Retain && e.ApplicationMessage.Payload.Length > 0)
            {
                received.Enqueue(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
            }

            return Task.CompletedTask;
        };
        MqttClientOptionsBuilder options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("retained-" + Guid.NewGuid().ToString("N")[..8]);
        if (credentials is { } c)
        {
            options = options.WithCredentials(c.User, c.Password);
        }

        await client.ConnectAsync(options.Build(), ct);
        await client.SubscribeAsync(topic, cancellationToken: ct);
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(!received.IsEmpty), TimeSpan.FromSeconds(10), () => "no retained alert on " + topic, ct);
        await client.DisconnectAsync(cancellationToken: ct);
        return JsonDocument.Parse(received.Last()).RootElement.Clone();
    }
}
