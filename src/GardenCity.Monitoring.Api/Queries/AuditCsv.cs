using System.Globalization;
using GardenCity.Monitoring.Core.Audit;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// The audit trail as CSV (<c>/api/v1/export/audit.csv</c>): UTC and Beijing time, kind, who, alert, target, detail. A
/// cell a spreadsheet would run as a formula (starting with = + - @) is prefixed with an apostrophe.
/// </summary>
internal static class AuditCsv
{
    public const string Header = "time_utc,time_local,kind,who,alert_id,target,detail\n";

    public static string Row(AuditEntry e) => string.Create(CultureInfo.InvariantCulture,
        $"{e.At.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ},{e.At.ToOffset(Params.Local):yyyy-MM-ddTHH:mm:sszzz},{Cell(e.Kind)},{Cell(e.Who)},{Cell(e.AlertId)},{Cell(e.Target)},{Cell(e.Detail)}\n");

    private static string Cell(string? value) =>
        value is null ? string.Empty : CamtrapDp.Cell(value.Length > 0 && value[0] is '=' or '+' or '-' or '@' ? "'" + value : value);
}
