using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.Storage.Retention;

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "InfluxDB database {Database}: the raw readings' retention policy {Policy} keeps data for {Actual}, GardenCity:Retention:RawDuration says {Expected}; an existing policy is never changed at start. To apply it, first copy what is kept for ever (docs/retention.md, \"Existing installations\"), then ALTER RETENTION POLICY")]
    public static partial void RawPolicyDiffers(ILogger logger, string database, string policy, string actual, string expected);

    [LoggerMessage(LogLevel.Error, "InfluxDB database {Database}: the retention policy {Policy} of what must be kept for ever (alert history, reviews, fire weather, geohazard, hourly aggregates) expires data after {Duration}; make it infinite (ALTER RETENTION POLICY ... DURATION INF, docs/retention.md)")]
    public static partial void ForeverPolicyExpires(ILogger logger, string database, string policy, string duration);

    [LoggerMessage(LogLevel.Information, "Downsampled {From:o} to {To:o}: {Points} hourly points and {Copies} camera-trap copies written")]
    public static partial void Downsampled(ILogger logger, DateTimeOffset from, DateTimeOffset to, int points, int copies);

    [LoggerMessage(LogLevel.Warning, "Downsampling {From:o} to {To:o} failed; the next cycle (in {Interval}) tries these hours again")]
    public static partial void DownsampleFailed(ILogger logger, Exception exception, DateTimeOffset from, DateTimeOffset to, TimeSpan interval);

    [LoggerMessage(LogLevel.Warning, "Hourly downsampling cannot reach InfluxDB to prepare its retention policy; trying again in {Interval}")]
    public static partial void DownsampleNotReady(ILogger logger, Exception exception, TimeSpan interval);

    [LoggerMessage(LogLevel.Information, "Hourly downsampling off in this process (GardenCity:Retention:Downsample = false)")]
    public static partial void DownsampleOff(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Camera-trap copies swept from {From:o} to {To:o}: {Copies} points copied to the kept-for-ever place")]
    public static partial void Swept(ILogger logger, DateTimeOffset from, DateTimeOffset to, int copies);

    [LoggerMessage(LogLevel.Warning, "The daily sweep of camera-trap copies failed; the next cycle (in {Interval}) tries again")]
    public static partial void SweepFailed(ILogger logger, Exception exception, TimeSpan interval);
}
