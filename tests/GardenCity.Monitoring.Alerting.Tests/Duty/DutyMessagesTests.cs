using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;
using static GardenCity.Monitoring.Alerting.Tests.Duty.DutyTestData;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Duty;

public sealed class DutyMessagesTests
{
    private readonly DutyMessages _messages = new(Options(), Registry);

    [Fact]
    public void Build_Chinese_CarriesStationSiteWatershedValueCriterionBeijingTimeLinkAndAck()
    {
        DutyMessage m = _messages.Build(Red(), DutyLanguage.Zh);

        Assert.Equal("【红色暴雨预警升级】百花山气象站", m.Title);
        Assert.Equal(
            "### 【红色暴雨预警升级】百花山气象站\n" +
            "**百花山气象站**（百花山·清水河流域）\n" +
            "> 百花山气象站 3 小时降雨 104.2 毫米\n" +
            "> 实测：104.2　标准：100（红色）\n" +
            "> 时间：2023-07-30 22:05（北京时间）\n\n" +
            "[查看预警](https://duty.example.cn/?alert=rainstorm-cma.bhs-wx-01.20230730T130000Z)\n" +
            "确认：值班员密钥 POST https://duty.example.cn/api/v1/alerts/rainstorm-cma.bhs-wx-01.20230730T130000Z/ack",
            m.Markdown);
    }

    [Fact]
    public void Build_English_WhenConfigured()
    {
        DutyMessage m = _messages.Build(Red(), DutyLanguage.En);

        Assert.Equal("[red Rainstorm warning raised] Baihua Mountain weather station", m.Title);
        Assert.Contains("Baihua Mountain, Qingshui watershed", m.Text, StringComparison.Ordinal);
        Assert.Contains("Time: 2023-07-30 22:05 (Beijing time)", m.Text, StringComparison.Ordinal);
        Assert.Contains("Value: 104.2  Criterion: 100 (red)", m.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Resolve_ReportsTheColourItLeaves()
    {
        DutyMessage m = _messages.Build(Red(Transition.Resolved), DutyLanguage.Zh);

        Assert.Equal("【红色暴雨预警解除】百花山气象站", m.Title);
    }

    [Fact]
    public void Sms_BuiltInTemplate_ExactText()
    {
        string sms = _messages.Sms(Red(), DutyLanguage.Zh, new SmsGatewayOptions());

        Assert.Equal("【红色暴雨预警升级】百花山气象站（清水河）104.2（标准100）07-30 22:05，请登录值班台确认", sms);
    }

    [Fact]
    public void Sms_BuiltInTemplate_FitsOneChineseSms_ForEveryShippedRuleAtEveryStationItWatches()
    {
        DutyOptions options = Options();
        options.WatershedNamesZh["yongding"] = "永定河";
        var messages = new DutyMessages(options, Registry);
        var sms = new SmsGatewayOptions { AppendLinkWhenItFits = false, MaxLength = 1000 };
        string longest = string.Empty;
        foreach (Station station in Registry.Stations)
        {
            foreach (var rule in ShippedRules().Rules.Where(r => r.Scope.Matches(station)))
            {
                AlertNotification n = Red() with
                {
                    RuleZh = rule.NameZh,
                    StationId = station.Id,
                    StationZh = station.NameZh,
                    Site = station.Site.Id,
                    Watershed = station.Watershed,
                    Value = 123.45,
                    Threshold = 100.5,
                    Transition = Transition.ContactRestored,
                };
                string text = messages.Sms(n, DutyLanguage.Zh, sms);
                longest = text.Length > longest.Length ? text : longest;
            }
        }

        Assert.True(longest.Length is > 20 and <= 70, $"{longest.Length}: {longest}");
    }

    [Fact]
    public void Sms_TooLong_IsCutToMaxLength()
    {
        var sms = new SmsGatewayOptions { TextTemplate = "{message_zh}{message_zh}{message_zh}{message_zh}", MaxLength = 30 };

        string text = _messages.Sms(Red(), DutyLanguage.Zh, sms);

        Assert.Equal(30, text.Length);
        Assert.EndsWith("…", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Sms_LinkAppended_OnlyWhenItFits()
    {
        var roomy = new SmsGatewayOptions { MaxLength = 200 };

        Assert.EndsWith(" https://duty.example.cn/?alert=rainstorm-cma.bhs-wx-01.20230730T130000Z", _messages.Sms(Red(), DutyLanguage.Zh, roomy), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", _messages.Sms(Red(), DutyLanguage.Zh, new SmsGatewayOptions()), StringComparison.Ordinal);
    }

    [Fact]
    public void Link_SameWithOrWithoutTrailingSlash()
    {
        DutyOptions bare = Options();
        bare.DashboardBaseUrl = "https://duty.example.cn";

        Assert.Equal("https://duty.example.cn/?alert=rainstorm-cma.bhs-wx-01.20230730T130000Z", new DutyMessages(bare, Registry).Link(Red()));
        Assert.Equal(new DutyMessages(bare, Registry).AckUrl(Red()), _messages.AckUrl(Red()));
    }

    [Fact]
    public void Template_UnknownPlaceholdersAndJsonBracesStay() =>
        Assert.Equal("{\"a\":\"x\",\"b\":\"{nope}\"}", DutyTemplate.Render("{\"a\":\"{v}\",\"b\":\"{nope}\"}", k => k == "v" ? "x" : null));
}
