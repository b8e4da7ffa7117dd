using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Alerting.Duty.Grouping;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Time;

namespace GardenCity.Monitoring.Alerting.Duty;

/// <summary>Placeholders <c>{name}</c> in configured templates (SMS text, SMS gateway request). Unknown names stay as written.</summary>
public static partial class DutyTemplate
{
    /// <summary>Replaces each <c>{name}</c> whose value <paramref name="lookup"/> knows.</summary>
    public static string Render(string template, Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(lookup);
        return Placeholder().Replace(template, m => lookup(m.Groups[1].Value) ?? m.Value);
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}

/// <summary>One alert change as a person reads it, in one language.</summary>
/// <param name="Title">Short headline: 【红色暴雨预警升级】百花山气象站.</param>
/// <param name="Markdown">Markdown body (WeCom and DingTalk robots), without mentions.</param>
/// <param name="Text">Plain-text body (email, WeCom text).</param>
/// <param name="Link">The alert in the dashboard.</param>
public sealed record DutyMessage(string Title, string Markdown, string Text, string Link);

/// <summary>
/// Builds duty-room messages from an <see cref="AlertNotification"/>: Chinese first (English configurable), with the
/// station, site, watershed, value, criterion, Beijing time, a link to the alert in the dashboard and how to acknowledge
/// it; and the SMS text, at most 70 characters with the built-in template. Pure: the same notification gives the same
/// message (deliveries repeated after a restart say the same thing). Thread-safe.
/// </summary>
public sealed class DutyMessages
{
    /// <summary>The built-in Chinese SMS template.</summary>
    public const string SmsTemplateZh = "【{severity_zh}{rule_zh}{transition_zh}】{where_zh}{reading_short_zh}{time_short}，请登录值班台确认";

    /// <summary>The built-in English SMS template (set <c>Sms:MaxLength</c> to 160 for English).</summary>
    public const string SmsTemplateEn = "[{severity} {rule_en}{transition_en}] {where_en} {reading_en}, {time_short} BJT. Ack on the duty dashboard";

    private readonly DutyOptions _options;
    private readonly DashboardOptions _dashboard;
    private readonly StationRegistry? _registry;

    /// <summary>Creates the builder; <paramref name="dashboard"/> gives the links, the registry site names (without it, site ids are shown).</summary>
    public DutyMessages(DutyOptions options, DashboardOptions dashboard, StationRegistry? registry)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dashboard);
        _options = options;
        _dashboard = dashboard;
        _registry = registry;
    }

    /// <summary>The link to an alert in the dashboard: the same page as CAP's <c>web</c>.</summary>
    public string Link(AlertNotification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return _dashboard.AlertPage(n.AlertId);
    }

    /// <summary>Where a responder acknowledges the alert (POST with a responder key).</summary>
    public string AckUrl(AlertNotification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return _dashboard.AckUrl(n.AlertId);
    }

    /// <summary>The placeholder values of a notification (docs/duty-room.md, "Messages").</summary>
    public IReadOnlyDictionary<string, string> Placeholders(AlertNotification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        Severity colour = Colour(n);
        string siteZh = n.Site, siteEn = n.Site;
        if (_registry is not null && _registry.Sites.TryGetValue(n.Site, out Site? site))
        {
            (siteZh, siteEn) = (site.NameZh, site.NameEn);
        }

        string? watershedZh = n.Watershed is null ? null : _options.WatershedNamesZh.GetValueOrDefault(n.Watershed, n.Watershed);
        string? watershedEn = n.Watershed is null ? null : _options.WatershedNamesEn.GetValueOrDefault(n.Watershed, n.Watershed);
        string value = Number(n.Value), threshold = Number(n.Threshold);
        string placeZh = watershedZh is null || watershedZh == siteZh ? siteZh : $"{siteZh}·{watershedZh}流域";
        string placeEn = watershedEn is null || watershedEn == siteEn ? siteEn : $"{siteEn}, {watershedEn} watershed";

        // Short form for SMS: what the station's name already says is not said again ("百花山气象站" needs only its
        // watershed beside it, "永定河三家店水位站" only its site).
        string shortZh = Short(n.StationZh, siteZh, watershedZh, w => w, "·");
        string shortEn = Short(n.StationEn, siteEn, watershedEn, w => $"{w} watershed", ", ");
        DateTimeOffset local = n.UpdatedAt.ToBeijingTime();
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["severity"] = colour.ToName(),
            ["severity_zh"] = colour.ToChinese(),
            ["rule"] = n.RuleId,
            ["rule_zh"] = n.RuleZh,
            ["rule_en"] = n.RuleEn,
            ["transition"] = TransitionName(n.Transition),
            ["transition_zh"] = TransitionZh(n.Transition),
            ["transition_en"] = TransitionEn(n.Transition) is { Length: > 0 } en ? " " + en : string.Empty,
            ["station"] = n.StationId,
            ["station_zh"] = n.StationZh,
            ["station_en"] = n.StationEn,
            ["site"] = n.Site,
            ["site_zh"] = siteZh,
            ["site_en"] = siteEn,
            ["watershed"] = n.Watershed ?? string.Empty,
            ["watershed_zh"] = watershedZh ?? string.Empty,
            ["watershed_en"] = watershedEn ?? string.Empty,
            ["place_zh"] = placeZh,
            ["place_en"] = placeEn,
            ["where_zh"] = shortZh.Length == 0 ? n.StationZh + " " : $"{n.StationZh}（{shortZh}）",
            ["where_en"] = shortEn.Length == 0 ? n.StationEn : $"{n.StationEn} ({shortEn})",
            ["value"] = value,
            ["threshold"] = threshold,
            ["reading_zh"] = n.Value is null ? "无实测值" : n.Threshold is null ? $"实测{value}" : $"实测{value}，标准{threshold}",
            ["reading_short_zh"] = n.Value is null ? string.Empty : n.Threshold is null ? $"{value} " : $"{value}（标准{threshold}）",
            ["reading_en"] = n.Value is null ? "no value" : n.Threshold is null ? $"value {value}" : $"value {value}, criterion {threshold}",
            ["time"] = local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            ["time_short"] = local.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture),
            ["message_zh"] = n.MessageZh,
            ["message_en"] = n.MessageEn,
            ["alert_id"] = n.AlertId,
            ["notification_id"] = n.NotificationId,
            ["link"] = Link(n),
            ["ack_url"] = AckUrl(n),
        };
    }

    /// <summary>The SMS text: the template (built-in by default) filled in, the link appended when it fits, cut to <see cref="SmsGatewayOptions.MaxLength"/>.</summary>
    public string Sms(AlertNotification n, DutyLanguage language, SmsGatewayOptions sms)
    {
        ArgumentNullException.ThrowIfNull(sms);
        IReadOnlyDictionary<string, string> p = Placeholders(n);
        string template = sms.TextTemplate.Length > 0 ? sms.TextTemplate : language == DutyLanguage.Zh ? SmsTemplateZh : SmsTemplateEn;
        string text = DutyTemplate.Render(template, key => p.GetValueOrDefault(key));
        if (sms.AppendLinkWhenItFits && !template.Contains("{link}", StringComparison.Ordinal) && text.Length + 1 + p["link"].Length <= sms.MaxLength)
        {
            text += " " + p["link"];
        }

        return text.Length <= sms.MaxLength ? text : string.Concat(text.AsSpan(0, sms.MaxLength - 1), "…");
    }

    /// <summary>The message of a delivery for robots and email: its notification, or the list of a grouped delivery.</summary>
    public DutyMessage Build(DutyDelivery delivery, DutyLanguage language)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery.Grouped.Count > 0 ? DutyGroupMessages.Build(this, _options.Grouping, delivery.Grouped, language) : Build(delivery.Notification, language);
    }

    /// <summary>The SMS text of a delivery: its notification's, or the list of a grouped delivery.</summary>
    public string Sms(DutyDelivery delivery, DutyLanguage language, SmsGatewayOptions sms)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(sms);
        return delivery.Grouped.Count > 0 ? DutyGroupMessages.Sms(this, delivery.Grouped, language, sms) : Sms(delivery.Notification, language, sms);
    }

    /// <summary>The message of a notification for robots and email.</summary>
    public DutyMessage Build(AlertNotification n, DutyLanguage language)
    {
        IReadOnlyDictionary<string, string> p = Placeholders(n);
        bool zh = language == DutyLanguage.Zh;
        string title = zh
            ? $"【{p["severity_zh"]}{p["rule_zh"]}{p["transition_zh"]}】{p["station_zh"]}"
            : $"[{p["severity"]} {p["rule_en"]}{p["transition_en"]}] {p["station_en"]}";
        string place = zh ? p["place_zh"] : p["place_en"];
        string station = zh ? p["station_zh"] : p["station_en"];
        string message = zh ? n.MessageZh : n.MessageEn;
        string reading = zh
            ? (n.Value is null ? "实测：—" : $"实测：{p["value"]}" + (n.Threshold is null ? string.Empty : $"　标准：{p["threshold"]}（{p["severity_zh"]}）"))
            : (n.Value is null ? "Value: —" : $"Value: {p["value"]}" + (n.Threshold is null ? string.Empty : $"  Criterion: {p["threshold"]} ({p["severity"]})"));
        string time = zh ? $"时间：{p["time"]}（北京时间）" : $"Time: {p["time"]} (Beijing time)";
        string ack = zh
            ? $"确认：值班员密钥 POST {p["ack_url"]}"
            : $"Acknowledge: POST {p["ack_url"]} with a responder key";
        string open = zh ? "查看预警" : "Open the alert";

        var md = new StringBuilder();
        md.Append("### ").Append(title).Append('\n');
        md.Append("**").Append(station).Append("**（").Append(place).Append("）\n");
        md.Append("> ").Append(message).Append('\n');
        md.Append("> ").Append(reading).Append('\n');
        md.Append("> ").Append(time).Append("\n\n");
        md.Append('[').Append(open).Append("](").Append(p["link"]).Append(")\n");
        md.Append(ack);

        var text = new StringBuilder();
        text.Append(title).Append('\n');
        text.Append(station).Append(zh ? "（" : " (").Append(place).Append(zh ? "）" : ")").Append('\n');
        text.Append(message).Append('\n');
        text.Append(reading).Append('\n');
        text.Append(time).Append('\n');
        text.Append(open).Append(zh ? "：" : ": ").Append(p["link"]).Append('\n');
        text.Append(ack);
        return new DutyMessage(title, md.ToString(), text.ToString(), p["link"]);
    }

    /// <summary>The colour a message reports: the severity, or before a resolve or close the severity it had.</summary>
    public static Severity Colour(AlertNotification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return n.Severity == Severity.None ? n.PreviousSeverity : n.Severity;
    }

    private static string Short(string station, string site, string? watershed, Func<string, string> watershedText, string separator)
    {
        var parts = new List<string>(2);
        if (!station.Contains(site, StringComparison.Ordinal))
        {
            parts.Add(site);
        }

        if (watershed is not null && !station.Contains(watershed, StringComparison.Ordinal) && !site.Contains(watershed, StringComparison.Ordinal))
        {
            parts.Add(watershedText(watershed));
        }

        return string.Join(separator, parts);
    }

    private static string Number(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("0.##", CultureInfo.InvariantCulture) : "—";

    private static string TransitionName(Transition t) => t switch
    {
        Transition.DeEscalated => "de_escalated",
        Transition.LostContact => "lost_contact",
        Transition.ContactRestored => "contact_restored",
        _ => t.ToString().ToLowerInvariant(),
    };

    private static string TransitionZh(Transition t) => t switch
    {
        Transition.Escalated => "升级",
        Transition.DeEscalated => "降级",
        Transition.Resolved => "解除",
        Transition.Acknowledged => "已确认",
        Transition.Late => "（迟到数据）",
        Transition.Stale => "数据中断",
        Transition.LostContact => "失联",
        Transition.ContactRestored => "恢复联系",
        Transition.Closed => "人工关闭",
        Transition.Updated => "更新",
        _ => string.Empty,
    };

    private static string TransitionEn(Transition t) => t switch
    {
        Transition.Escalated => "raised",
        Transition.DeEscalated => "lowered",
        Transition.Resolved => "resolved",
        Transition.Acknowledged => "acknowledged",
        Transition.Late => "(late data)",
        Transition.Stale => "stale",
        Transition.LostContact => "lost contact",
        Transition.ContactRestored => "contact restored",
        Transition.Closed => "closed",
        Transition.Updated => "updated",
        _ => string.Empty,
    };
}
