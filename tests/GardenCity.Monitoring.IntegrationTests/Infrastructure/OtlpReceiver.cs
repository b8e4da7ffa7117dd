using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback OTLP/HTTP receiver standing in for an OpenTelemetry Collector (port 4318): records every request's path,
/// content type, Authorization header and raw body, and answers 200 with an empty protobuf body (an empty <c>Export…ServiceResponse</c>).
/// </summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();

    public OtlpReceiver()
    {
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; } = ServerProcess.FreePort();

    /// <summary>The base URL, as <c>GardenCity:Telemetry:Otlp:Endpoint</c> takes it.</summary>
    public string Url => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/";

    public ConcurrentQueue<Request> Requests { get; } = [];

    public sealed record Request(string Method, string Path, string? ContentType, byte[] Body, string? Authorization);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await ctx.Request.InputStream.CopyToAsync(body);
            Requests.Enqueue(new Request(ctx.Request.HttpMethod, ctx.Request.Url!.AbsolutePath, ctx.Request.ContentType, body.ToArray(), ctx.Request.Headers["Authorization"]));
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/x-protobuf";
            ctx.Response.ContentLength64 = 0;
            ctx.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}
