using Microsoft.Extensions.Configuration;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// Where people open an alert (<c>GardenCity:Dashboard</c>): the one base of every link to the dashboard — CAP's
/// <c>web</c>, the duty-room messages' link and their acknowledgement URL (docs/alerting.md, docs/duty-room.md).
/// </summary>
public sealed class DashboardOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "GardenCity:Dashboard";

    /// <summary>The key of <see cref="BaseUrl"/>.</summary>
    public const string BaseUrlKey = SectionName + ":" + nameof(BaseUrl);

    /// <summary>
    /// The keys this setting had before it was one (read, in this order, only when <see cref="BaseUrlKey"/> is not set;
    /// each is warned about at start): the duty room's and CAP's.
    /// </summary>
    public static IReadOnlyList<string> DeprecatedKeys { get; } = ["GardenCity:Duty:DashboardBaseUrl", "GardenCity:Alerting:Cap:WebBaseUrl"];

    /// <summary>
    /// Base URL of the dashboard (the query API): the page of an alert is <c>{BaseUrl}/?alert={alert id}</c>, its
    /// acknowledgement <c>{BaseUrl}/api/v1/alerts/{alert id}/ack</c>. Empty leaves <c>web</c> out of CAP messages (the
    /// duty-room channels need it). <value>The default value is http://127.0.0.1:8080/ (the API's default URL).</value>
    /// </summary>
    public string BaseUrl { get; set; } = "http://127.0.0.1:8080/";

    /// <summary>The page of an alert: <c>{BaseUrl}/?alert={alert id}</c>.</summary>
    public string AlertPage(string alertId)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        return $"{BaseUrl.TrimEnd('/')}/?alert={Uri.EscapeDataString(alertId)}";
    }

    /// <summary>Where a responder acknowledges an alert (POST with a responder key).</summary>
    public string AckUrl(string alertId)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        return $"{BaseUrl.TrimEnd('/')}/api/v1/alerts/{Uri.EscapeDataString(alertId)}/ack";
    }

    /// <summary>
    /// Takes the first deprecated key that <paramref name="configuration"/> sets when <see cref="BaseUrlKey"/> is not set
    /// (settings of deployments from before the one setting keep working). Returns the key used, or null.
    /// </summary>
    public string? ApplyDeprecatedKeys(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[BaseUrlKey] is not null)
        {
            return null;
        }

        foreach (string key in DeprecatedKeys)
        {
            if (configuration[key] is { } value)
            {
                BaseUrl = value;
                return key;
            }
        }

        return null;
    }
}
