using GardenCity.Monitoring.Alerting.Duty;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// <see cref="DashboardOptions.BaseUrl"/> is the dashboard's http(s) address without a query, or empty (no CAP
/// <c>web</c>) while the duty-room channels, whose messages link to it, are off. Errors name the key.
/// </summary>
internal sealed class DashboardOptionsValidator(IOptions<DutyOptions> duty) : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BaseUrl.Length == 0)
        {
            return duty.Value.Enabled
                ? ValidateOptionsResult.Fail($"{DashboardOptions.BaseUrlKey} is empty, but the duty-room messages link to the dashboard ({DutyOptions.SectionName}:Enabled is true): set it to the dashboard's http(s) address")
                : ValidateOptionsResult.Success;
        }

        return Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out Uri? url) && url.Scheme is "http" or "https" && url.Query.Length == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{DashboardOptions.BaseUrlKey} '{options.BaseUrl}' must be the dashboard's http(s) address without a query (links are {{base}}/?alert=…), or empty to leave the link out of CAP messages");
    }
}
