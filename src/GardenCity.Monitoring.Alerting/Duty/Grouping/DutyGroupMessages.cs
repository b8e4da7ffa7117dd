using System.Globalization;
using System.Text;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting.Duty.Grouping;

/// <summary>
/// The message of a grouped delivery (docs/duty-room.md, "Grouping"): a headline with the place, the count and the worst
/// colour, then one line per alert, worst first, each with its link, at most <see cref="DutyGroupingOptions.MaxListed"/>
/// lines and "等N条" for the rest; the SMS form is cut to the channel's length, also ending in "等N条". Pure.
/// </summary>
internal static class DutyGroupMessages
{
    /// <summary>Robots and email.</summary>
    public static DutyMessage Build(DutyMessages messages, DutyGroupingOptions options, IReadOnlyList<AlertNotification> members, DutyLanguage language)
    {
        bool zh = language == DutyLanguage.Zh;
        IReadOnlyDictionary<string, string> worst = messages.Placeholders(members[0]);
        string title = Headline(members, worst, zh);
        var md = new StringBuilder().Append("### ").Append(title).Append('\n');
        var text = new StringBuilder().Append(title).Append('\n');
        int listed = Math.Min(members.Count, options.MaxListed);
        foreach (AlertNotification n in members.Take(listed))
        {
            IReadOnlyDictionary<string, string> p = messages.Placeholders(n);
            string line = Line(p, zh);
            md.Append("- ").Append(line).Append(" [").Append(zh ? "查看" : "open").Append("](").Append(p["link"]).Append(")\n");
            text.Append("- ").Append(line).Append(' ').Append(p["link"]).Append('\n');
        }

        if (members.Count > listed)
        {
            string more = zh ? $"- 等{members.Count - listed}条，请登录值班台查看\n" : $"- and {members.Count - listed} more on the duty dashboard\n";
            md.Append(more);
            text.Append(more);
        }

        string ack = zh ? "确认：值班员密钥 POST 各预警的 /api/v1/alerts/{id}/ack（如 " + worst["ack_url"] + "）"
                        : "Acknowledge: POST /api/v1/alerts/{id}/ack of each alert with a responder key (e.g. " + worst["ack_url"] + ")";
        md.Append('\n').Append(ack);
        text.Append(ack);
        return new DutyMessage(title, md.ToString(), text.ToString(), worst["link"]);
    }

    /// <summary>SMS: the headline, then the alerts as long as they fit in <see cref="SmsGatewayOptions.MaxLength"/>, then "等N条".</summary>
    public static string Sms(DutyMessages messages, IReadOnlyList<AlertNotification> members, DutyLanguage language, SmsGatewayOptions sms)
    {
        bool zh = language == DutyLanguage.Zh;
        string head = Headline(members, messages.Placeholders(members[0]), zh);
        string tail = zh ? "，请登录值班台确认" : ". Ack on the duty dashboard";
        var items = members.Select(n => Item(messages.Placeholders(n), zh)).ToList();
        string separator = zh ? "；" : "; ";
        for (int shown = items.Count; shown >= 0; shown--)
        {
            string more = shown == items.Count ? string.Empty : zh ? $"等{items.Count - shown}条" : $" and {items.Count - shown} more";
            string text = head + string.Join(separator, items.Take(shown)) + more + tail;
            if (text.Length <= sms.MaxLength)
            {
                return text;
            }
        }

        string bare = head + (zh ? $"等{items.Count}条" : $"{items.Count} alerts") + tail;
        return bare.Length <= sms.MaxLength ? bare : string.Concat(bare.AsSpan(0, sms.MaxLength - 1), "…");
    }

    private static string Headline(IReadOnlyList<AlertNotification> members, IReadOnlyDictionary<string, string> worst, bool zh)
    {
        string count = members.Count.ToString(CultureInfo.InvariantCulture);
        string place = zh ? Place(worst, "watershed_zh", "site_zh", "流域") : Place(worst, "watershed_en", "site_en", " watershed");
        bool sameWatershed = members.All(n => n.Watershed == members[0].Watershed);
        bool sameSite = members.All(n => n.Site == members[0].Site);
        if (!sameWatershed || members[0].Watershed is null)
        {
            place = sameSite ? (zh ? worst["site_zh"] : worst["site_en"]) : place;
        }

        return zh ? $"【{place}{count}条预警·最高{worst["severity_zh"]}】" : $"[{place}: {count} alerts, worst {worst["severity"]}] ";
    }

    private static string Place(IReadOnlyDictionary<string, string> p, string watershed, string site, string suffix) =>
        p[watershed].Length > 0 ? p[watershed] + suffix : p[site];

    private static string Line(IReadOnlyDictionary<string, string> p, bool zh) => zh
        ? $"【{p["severity_zh"]}{p["rule_zh"]}{p["transition_zh"]}】{p["station_zh"]} {p["reading_short_zh"]}{p["time_short"]}"
        : $"[{p["severity"]} {p["rule_en"]}{p["transition_en"]}] {p["station_en"]} {p["reading_en"]}, {p["time_short"]}";

    private static string Item(IReadOnlyDictionary<string, string> p, bool zh) => zh
        ? $"{p["station_zh"]}{p["severity_zh"]}{p["rule_zh"]}{p["transition_zh"]}"
        : $"{p["station_en"]} {p["severity"]} {p["rule_en"]}{p["transition_en"]}";
}
