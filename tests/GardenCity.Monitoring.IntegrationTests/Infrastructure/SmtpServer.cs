using System.Globalization;
using System.Net.Sockets;
using MimeKit;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// A real local SMTP server: Debian's <c>python3-aiosmtpd</c> (<c>/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c
/// aiosmtpd.handlers.Mailbox DIR</c>) storing each message it accepts in a maildir, read back with MimeKit.
/// </summary>
internal sealed class SmtpServer : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-smtp-").FullName;
    private ServerProcess? _process;

    public int Port { get; } = ServerProcess.FreePort();

    public async Task StartAsync(CancellationToken ct)
    {
        string python = ServerProcess.Find("python3-aiosmtpd", "/usr/bin/python3");
        if (!Directory.Exists("/usr/lib/python3/dist-packages/aiosmtpd"))
        {
            throw new InvalidOperationException("aiosmtpd is missing: install Debian's 'python3-aiosmtpd' package (tests/run-tests.sh does).");
        }

        string maildir = Path.Combine(_dir, "maildir");
        _process = ServerProcess.Start(python, "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}", "-c", "aiosmtpd.handlers.Mailbox", maildir);
        await InfluxServer.WaitUntilAsync(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port, ct);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), () => "aiosmtpd did not start: " + _process.Output, ct);
    }

    /// <summary>The messages received so far.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        string incoming = Path.Combine(_dir, "maildir", "new");
        return Directory.Exists(incoming) ? Directory.GetFiles(incoming).Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f)).ToList() : [];
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.TerminateAsync();
            _process.Dispose();
        }

        ServerProcess.DeleteDirectory(_dir);
    }
}
