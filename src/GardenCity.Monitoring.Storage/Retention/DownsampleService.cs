using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Retention;

/// <summary>
/// Runs <see cref="HourlyDownsampler"/> every <see cref="RetentionOptions.DownsampleInterval"/> on the
/// <see cref="TimeProvider"/> (docs/retention.md, "The job"), in the alerting role. A failed cycle is logged and its
/// hours are done by the next one; the first cycle runs at start.
/// </summary>
internal sealed class DownsampleService(HourlyDownsampler downsampler, IReadingWriter writer, IOptions<RetentionOptions> options, TimeProvider time, ILogger<DownsampleService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        RetentionOptions o = options.Value;
        if (!o.Downsample)
        {
            Log.DownsampleOff(logger);
            return;
        }

        await Task.Yield();
        using var timer = new PeriodicTimer(o.DownsampleInterval, time);
        bool initialized = false;
        do
        {
            try
            {
                if (!initialized)
                {
                    // The kept-for-ever policy exists before the first aggregate is written (InfluxDB 1.x with CreateDatabase).
                    await writer.InitializeAsync(stoppingToken).ConfigureAwait(false);
                    initialized = true;
                }

                await downsampler.RunCycleAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Logged by the downsampler (or an InfluxDB that is not there yet): the next tick tries again.
                if (!initialized)
                {
                    Log.DownsampleNotReady(logger, ex, o.DownsampleInterval);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
