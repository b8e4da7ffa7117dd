using System.Net;
using System.Net.Sockets;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP proxy on loopback in front of a real server (influxd). Forwarding, it passes bytes both ways; hanging, it
/// accepts connections and reads what comes but never answers — a server that is up at the TCP level and stuck above
/// it. Switching to hanging cuts the connections it was forwarding, so pooled HTTP connections hang too.
/// </summary>
internal sealed class HangingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private volatile bool _hanging;

    public HangingProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start(1000);
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Hangs (true) or forwards (false); either way the connections open so far are cut.</summary>
    public void SetHanging(bool hanging)
    {
        _hanging = hanging;
        lock (_open)
        {
            foreach (TcpClient client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        SetHanging(true);
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_open)
            {
                _open.Add(client);
            }

            _ = _hanging ? SwallowAsync(client) : ForwardAsync(client);
        }
    }

    private async Task SwallowAsync(TcpClient client)
    {
        var buffer = new byte[8192];
        try
        {
            NetworkStream stream = client.GetStream();
            while (await stream.ReadAsync(buffer, _stop.Token) > 0)
            {
                // Read and never answer.
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            lock (_open)
            {
                _open.Add(upstream);
            }

            NetworkStream a = client.GetStream(), b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }
}
