using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting.Tests.Duty;

internal static class DutyTestData
{
    /// <summary>A red rainstorm escalation at Baihua Mountain weather station, 2023-07-30 14:05 UTC (22:05 Beijing time).</summary>
    public static AlertNotification Red(Transition transition = Transition.Escalated, Audience audience = Audience.Emergency, string alertId = "rainstorm-cma.bhs-wx-01.20230730T130000Z", int revision = 2) => new()
    {
        NotificationId = $"{alertId}#{revision}",
        AlertId = alertId,
        Transition = transition,
        RuleId = "rainstorm-cma",
        RuleZh = "暴雨预警",
        RuleEn = "Rainstorm warning",
        Audience = audience,
        Severity = transition is Transition.Resolved or Transition.Closed ? Severity.None : Severity.Red,
        PreviousSeverity = transition == Transition.Raised ? Severity.None : transition is Transition.Resolved or Transition.Closed ? Severity.Red : Severity.Orange,
        PeakSeverity = Severity.Red,
        Status = AlertStatus.Active,
        StationId = "bhs-wx-01",
        StationZh = "百花山气象站",
        StationEn = "Baihua Mountain weather station",
        Site = "baihua-mountain",
        Watershed = "qingshui",
        RaisedAt = new DateTimeOffset(2023, 7, 30, 13, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2023, 7, 30, 14, 5, 0, TimeSpan.Zero),
        Value = 104.2,
        Threshold = 100,
        MessageZh = "百花山气象站 3 小时降雨 104.2 毫米",
        MessageEn = "Baihua Mountain weather station: 104.2 mm in 3 h",
    };

    public static DutyOptions Options()
    {
        var o = new DutyOptions { Enabled = true };
        o.WatershedNamesZh["qingshui"] = "清水河";
        o.WatershedNamesEn["qingshui"] = "Qingshui";
        return o;
    }

    public static DashboardOptions Dashboard { get; } = new() { BaseUrl = "https://duty.example.cn/" };

    public static DutyRecipientOptions Zhang => new() { Name = "zhang-san", Mobile = "13800001111", Email = "zhangsan@duty.example.cn", WeComUserId = "ZhangSan" };

    public static DutyRecipientOptions Li => new() { Name = "li-si", Mobile = "13900002222", Email = "lisi@duty.example.cn" };
}
