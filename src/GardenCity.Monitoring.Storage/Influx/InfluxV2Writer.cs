using InfluxDB.Client;
using InfluxDB.Client.Core.Exceptions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>Writes to InfluxDB 2.x (or 3.x, same write API) through InfluxDB.Client's <see cref="WriteApiAsync"/>.</summary>
internal sealed class InfluxV2Writer : IReadingWriter, IDisposable
{
    private readonly InfluxOptions _options;
    private readonly InfluxDBClient _client;

    public InfluxV2Writer(IOptions<InfluxOptions> options)
    {
        _options = options.Value;
        _client = new InfluxDBClient(new InfluxDBClientOptions(_options.Url)
        {
            Token = _options.Token,
            Org = _options.Org,
            Bucket = _options.Bucket,
            Timeout = _options.RequestTimeout,
        });
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task WriteLinesAsync(ReadOnlyMemory<byte> lineProtocol, CancellationToken cancellationToken)
    {
        string[] lines = System.Text.Encoding.UTF8.GetString(lineProtocol.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            return;
        }

        try
        {
            await _client.GetWriteApiAsync().WriteRecordsAsync(lines, InfluxDB.Client.Api.Domain.WritePrecision.Ns, _options.Bucket, _options.Org, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpException ex)
        {
            throw new InfluxWriteException($"InfluxDB refused the write with {ex.Status}: {ex.Message}", ex.Status == 0 ? null : ex.Status, ex)
            {
                RetryAfter = ex.RetryAfter is int seconds and > 0 ? TimeSpan.FromSeconds(Math.Min(seconds, 60)) : null,
            };
        }
        catch (HttpRequestException ex)
        {
            throw new InfluxWriteException($"InfluxDB at {_options.Url} did not answer: {ex.Message}", null, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InfluxWriteException($"InfluxDB at {_options.Url} did not answer within {_options.RequestTimeout}", null, ex);
        }
    }

    public void Dispose() => _client.Dispose();
}
