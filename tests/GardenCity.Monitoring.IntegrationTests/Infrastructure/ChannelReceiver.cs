using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback HTTP receiver standing in for a WeCom or DingTalk robot or an SMS gateway: records every request, answers
/// 200 with <see cref="Body"/> (or 503 with Retry-After while <see cref="Failing"/>), and can be killed
/// (its socket closed: connection refused) and started again on the same port.
/// </summary>
internal sealed class ChannelReceiver : IDisposable
{
    private HttpListener? _listener;

    public ChannelReceiver(string body = "{\"errcode\":0,\"errmsg\":\"ok\"}")
    {
        Body = body;
        Start();
    }

    public int Port { get; } = ServerProcess.FreePort();

    public string Url => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/";

    public string Body { get; set; }

    public volatile bool Failing;

    /// <summary>Every request: method, path and query, headers, body; and whether it was accepted.</summary>
    public ConcurrentQueue<Request> Requests { get; } = [];

    public IReadOnlyList<Request> Accepted => Requests.Where(r => r.Accepted).ToList();

    public sealed record Request(string Method, string RawUrl, IReadOnlyDictionary<string, string> Headers, string Body, bool Accepted, DateTimeOffset At);

    public void Start()
    {
        var listener = new HttpListener();
        listener.Prefixes.Add(Url);
        listener.Start();
        _listener = listener;
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
                string body = await reader.ReadToEndAsync();
                bool failing = Failing;
                var headers = ctx.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => ctx.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
                Requests.Enqueue(new Request(ctx.Request.HttpMethod, ctx.Request.RawUrl!, headers, body, !failing, DateTimeOffset.UtcNow));
                byte[] answer = Encoding.UTF8.GetBytes(failing ? "busy" : Body);
                ctx.Response.StatusCode = failing ? 503 : 200;
                if (failing)
                {
                    ctx.Response.Headers["Retry-After"] = "1";
                }

                ctx.Response.ContentType = "application/json; charset=utf-8";
                await ctx.Response.OutputStream.WriteAsync(answer);
                ctx.Response.Close();
            }
        });
    }

    /// <summary>Closes the socket: connections are refused until <see cref="Start"/>.</summary>
    public void Kill() => _listener?.Close();

    public void Dispose() => _listener?.Close();
}
