using GardenCity.Monitoring.Alerting.Duty;

namespace GardenCity.Monitoring.Alerting.Tests.Duty.Escalation;

internal static class EscalationTestData
{
    /// <summary>Channels sms (per person) and ding-district (robot); a station ranger, three town duty officers, the district leader.</summary>
    public static DutyOptions Options(string escalationFile = "")
    {
        DutyOptions o = DutyTestData.Options();
        o.EscalationFile = escalationFile;
        o.Channels.Add(new DutyChannelOptions { Name = "sms", Kind = DutyChannelKind.Sms });
        o.Channels.Add(new DutyChannelOptions { Name = "ding-district", Kind = DutyChannelKind.DingTalk, Url = "http://127.0.0.1:9/robot/send?access_token=t" });
        o.Channels.Add(new DutyChannelOptions { Name = "mail", Kind = DutyChannelKind.Email });
        foreach ((string name, string mobile) in new[] { ("ranger", "13800000001"), ("town-wang", "13800000002"), ("town-li", "13800000003"), ("town-zhao", "13800000004"), ("leader-liu", "13800000005") })
        {
            o.Recipients.Add(new DutyRecipientOptions { Name = name, Mobile = mobile });
        }

        o.Recipients.Add(new DutyRecipientOptions { Name = "no-phone", Email = "x@example.cn" });
        return o;
    }

    /// <summary>A town rota (weekday days wang, nights li, weekend days zhao, National Day zhao) and a red policy: town after 5 min, district after 10 more.</summary>
    public const string File = """
        rotas:
          - id: town
            weekly:
              - { days: [mon, tue, wed, thu, fri], from: "08:30", to: "17:30", on_duty: [town-wang] }
              - { days: daily, from: "17:30", to: "08:30", on_duty: [town-li] }
              - { days: [sat, sun], from: "08:30", to: "17:30", on_duty: town-zhao }
            overrides:
              - { from: "2026-10-01 08:30", to: "2026-10-08 08:30", on_duty: [town-zhao], reason: 国庆 }
        policies:
          - id: red
            audiences: [emergency]
            min_severity: red
            tiers:
              - name: 镇值班员
                after: 5m
                channels: [sms]
                recipients: [rota:town]
              - name: 区应急局
                after: 10m
                channels: [ding-district, sms]
                recipients: [leader-liu]
        """;
}
