using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.Api;

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "API {Method} {Path} answered {Status}: {Title}")]
    public static partial void InfluxUnavailable(this ILogger logger, Exception exception, string method, string path, int status, string title);

    [LoggerMessage(LogLevel.Warning, "API {Method} {Path}: the response had started, so it was broken off (the client sees an incomplete transfer)")]
    public static partial void ResponseBrokenOff(this ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(LogLevel.Error, "API {Method} {Path} failed")]
    public static partial void RequestFailed(this ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(LogLevel.Debug, "API {Method} {Path} refused: {Setting} reached")]
    public static partial void LimitReached(this ILogger logger, string method, string path, string setting);
}
