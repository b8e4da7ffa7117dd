using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Time;
using System.Globalization;
using System.Xml;
using GardenCity.Monitoring.Alerting.Engine;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>Settings of the CAP 1.2 messages (who sends them, to whom).</summary>
public sealed class CapOptions
{
    /// <summary>CAP <c>sender</c> (no spaces, commas, &lt; or &amp;). <value>The default value is gardencity@mentougou.monitoring.</value></summary>
    [System.ComponentModel.DataAnnotations.RegularExpression("^[^\\s,<&]+$")]
    public string Sender { get; set; } = "gardencity@mentougou.monitoring";

    /// <summary>CAP <c>senderName</c>.</summary>
    public string SenderName { get; set; } = "GardenCity.Monitoring 门头沟生态与应急监测";

    /// <summary>
    /// CAP <c>status</c>. <value>The default value is Actual.</value> Use Exercise, Test or Draft where appropriate;
    /// only the China Meteorological Administration may issue public weather warnings.
    /// </summary>
    [System.ComponentModel.DataAnnotations.RegularExpression("^(Actual|Exercise|System|Test|Draft)$")]
    public string Status { get; set; } = "Actual";

    /// <summary>CAP <c>scope</c>. <value>The default value is Restricted</value> (internal, to duty officers; never the official public warning).</summary>
    [System.ComponentModel.DataAnnotations.RegularExpression("^(Public|Restricted)$")]
    public string Scope { get; set; } = "Restricted";

    /// <summary>CAP <c>restriction</c>, required when the scope is Restricted.</summary>
    public string Restriction { get; set; } = "For duty officers of the Mentougou emergency command; not a public warning.";

    /// <summary>CAP <c>contact</c>: whom to call about the message. <value>The default value is the district duty room.</value></summary>
    public string Contact { get; set; } = "门头沟区应急管理局值班室 Mentougou District emergency management duty room";

    /// <summary>
    /// Deprecated: <c>GardenCity:Dashboard:BaseUrl</c> (<see cref="DashboardOptions"/>), which it stands for while that
    /// and <c>GardenCity:Duty:DashboardBaseUrl</c> are not set. CAP <c>web</c> is the alert's page under it.
    /// </summary>
    [Obsolete("Use GardenCity:Dashboard:BaseUrl, the one base of every link to an alert; this key is read only while that is not set.")]
    public string? WebBaseUrl { get; set; }

    /// <summary>How long an Alert or Update message is in force (CAP <c>expires</c> = effective + this); a Cancel expires at once.</summary>
    /// <value>The default value is 6 hours: an alert still in force is re-stated by its next change well before.</value>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:10:00", "7.00:00:00")]
    public TimeSpan Validity { get; set; } = TimeSpan.FromHours(6);
}

/// <summary>
/// Writes an OASIS CAP 1.2 message for an emergency alert change: <c>Alert</c> when raised, <c>Update</c> when its
/// severity changes, it is acknowledged, goes stale (contact lost, lost contact) or gets fresh data again (contact
/// restored), <c>Cancel</c> when resolved or closed by hand (each referencing the previous message), with
/// a Chinese and an English <c>info</c> and the station's point as the area. Element order follows the schema.
/// </summary>
public static class CapWriter
{
    /// <summary>The CAP 1.2 namespace.</summary>
    public const string Namespace = "urn:oasis:names:tc:emergency:cap:1.2";

    /// <summary>CAP message identifier of one notification (unique per change).</summary>
    public static string Identifier(AlertChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return $"{change.Alert.Id}.{change.Alert.Revision}";
    }

    /// <summary>
    /// Writes the message; <paramref name="dashboard"/> gives <c>web</c> (left out when its base is empty),
    /// <paramref name="sent"/> is the system's clock, <paramref name="previous"/> the message it updates.
    /// </summary>
    public static string Write(AlertChange change, CapOptions options, DashboardOptions dashboard, DateTimeOffset sent, (string Identifier, DateTimeOffset Sent)? previous)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dashboard);
        var settings = new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false), OmitXmlDeclaration = false };
        using var text = new Utf8StringWriter();
        using (var w = XmlWriter.Create(text, settings))
        {
            Alert a = change.Alert;
            string msgType = change.Transition switch
            {
                Transition.Raised => "Alert",
                Transition.Resolved or Transition.Closed => "Cancel",
                _ => previous is null ? "Alert" : "Update",
            };
            w.WriteStartElement("alert", Namespace);
            w.WriteElementString("identifier", Namespace, Identifier(change));
            w.WriteElementString("sender", Namespace, options.Sender);
            w.WriteElementString("sent", Namespace, Time(sent));
            w.WriteElementString("status", Namespace, options.Status);
            w.WriteElementString("msgType", Namespace, msgType);
            w.WriteElementString("source", Namespace, "rule " + a.RuleId);
            w.WriteElementString("scope", Namespace, options.Scope);
            if (options.Scope == "Restricted")
            {
                w.WriteElementString("restriction", Namespace, options.Restriction);
            }

            if (previous is { } p && msgType != "Alert")
            {
                w.WriteElementString("references", Namespace, $"{options.Sender},{p.Identifier},{Time(p.Sent)}");
            }

            w.WriteElementString("incidents", Namespace, a.Id);
            Severity shown = a.Severity == Severity.None ? change.Previous : a.Severity;
            foreach (string language in new[] { "zh-CN", "en-US" })
            {
                bool zh = language == "zh-CN";
                w.WriteStartElement("info", Namespace);
                w.WriteElementString("language", Namespace, language);
                w.WriteElementString("category", Namespace, change.Rule.CapCategory);
                w.WriteElementString("event", Namespace, zh ? change.Rule.NameZh : change.Rule.NameEn);
                w.WriteElementString("responseType", Namespace, msgType == "Cancel" ? "AllClear" : shown >= Severity.Orange ? "Prepare" : "Monitor");
                w.WriteElementString("urgency", Namespace, msgType == "Cancel" ? "Past" : shown >= Severity.Orange ? "Immediate" : "Expected");
                w.WriteElementString("severity", Namespace, shown.ToCap());
                w.WriteElementString("certainty", Namespace, "Observed");
                w.WriteElementString("audience", Namespace, a.Audience.ToString().ToLowerInvariant());
                w.WriteStartElement("eventCode", Namespace);
                w.WriteElementString("valueName", Namespace, "GC_RULE");
                w.WriteElementString("value", Namespace, a.RuleId);
                w.WriteEndElement();
                w.WriteElementString("effective", Namespace, Time(a.UpdatedAt));
                w.WriteElementString("onset", Namespace, Time(a.RaisedAt));
                w.WriteElementString("expires", Namespace, Time(msgType == "Cancel" ? a.UpdatedAt : a.UpdatedAt + options.Validity));
                w.WriteElementString("senderName", Namespace, options.SenderName);
                string headline = zh ? $"{change.Station.NameZh}{shown.ToChinese()}{change.Rule.NameZh}" : $"{Capitalise(shown.ToName())} {change.Rule.NameEn.ToLowerInvariant()}: {change.Station.NameEn}";
                w.WriteElementString("headline", Namespace, change.Transition switch
                {
                    Transition.Closed => (zh ? "人工关闭：" : "Closed: ") + headline,
                    _ when msgType == "Cancel" => (zh ? "解除：" : "Cancelled: ") + headline,
                    Transition.LostContact => (zh ? "失联：" : "Lost contact: ") + headline,
                    _ when a.Stale => (zh ? "数据中断：" : "Contact lost: ") + headline,
                    Transition.ContactRestored => (zh ? "恢复联系：" : "Contact restored: ") + headline,
                    _ => headline,
                });
                w.WriteElementString("description", Namespace, zh ? a.MessageZh : a.MessageEn);
                if (msgType != "Cancel" && (zh ? change.Rule.InstructionZh : change.Rule.InstructionEn) is { } instruction)
                {
                    w.WriteElementString("instruction", Namespace, change.Rule.Render(instruction, change.Station, shown, a.Value, a.Threshold, a.UpdatedAt));
                }

                if (dashboard.BaseUrl.Length > 0)
                {
                    w.WriteElementString("web", Namespace, dashboard.AlertPage(a.Id));
                }

                if (options.Contact.Length > 0)
                {
                    w.WriteElementString("contact", Namespace, options.Contact);
                }

                WriteParameter(w, "CN_WARNING_COLOR", shown.ToChinese());
                WriteParameter(w, "GC_SEVERITY", shown.ToName());
                WriteParameter(w, "GC_TRANSITION", change.Transition.ToString());
                if (a.Value is { } value)
                {
                    WriteParameter(w, "GC_VALUE", value.ToString("0.###", CultureInfo.InvariantCulture));
                }

                if (a.AcknowledgedBy is { } by)
                {
                    WriteParameter(w, "GC_ACKNOWLEDGED_BY", by);
                }

                if (a.StaleSince is { } staleSince)
                {
                    WriteParameter(w, "GC_STALE_SINCE", Time(staleSince)); // the station's last data: the figures are as of then
                }

                if (a.ClosedBy is { } closedBy)
                {
                    WriteParameter(w, "GC_CLOSED_BY", closedBy);
                    WriteParameter(w, "GC_CLOSE_REASON", a.CloseReason ?? string.Empty);
                }

                w.WriteStartElement("area", Namespace);
                w.WriteElementString("areaDesc", Namespace, zh ? $"{change.Station.Site.NameZh} {change.Station.NameZh}" : $"{change.Station.Site.NameEn}, {change.Station.NameEn}");
                if (change.Unit is { Polygon: { } polygon })
                {
                    // A hazard unit's outline (docs/geohazard.md): lat,lon pairs, closed.
                    w.WriteElementString("polygon", Namespace, string.Join(' ', polygon.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Lat:0.######},{p.Lon:0.######}"))));
                }
                else if (change.Unit is { RadiusKm: { } radius } unit)
                {
                    w.WriteElementString("circle", Namespace, string.Create(CultureInfo.InvariantCulture, $"{unit.Lat:0.######},{unit.Lon:0.######} {radius:0.###}"));
                }
                else if (!change.Rule.Sensitive && change.Station.Kind != StationKind.CameraTrap) // protected locations (docs/ecology.md)
                {
                    w.WriteElementString("circle", Namespace, string.Create(CultureInfo.InvariantCulture, $"{change.Station.Lat:0.######},{change.Station.Lon:0.######} 1"));
                }

                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        return text.ToString();
    }

    /// <summary>CAP date-time: seconds, numeric offset, never <c>Z</c> (UTC is <c>-00:00</c>); shown in Beijing time.</summary>
    public static string Time(DateTimeOffset time) =>
        time.ToBeijingTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + BeijingTime.OffsetText;

    private static void WriteParameter(XmlWriter w, string name, string value)
    {
        w.WriteStartElement("parameter", Namespace);
        w.WriteElementString("valueName", Namespace, name);
        w.WriteElementString("value", Namespace, value);
        w.WriteEndElement();
    }

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private sealed class Utf8StringWriter : StringWriter
    {
        public Utf8StringWriter()
            : base(CultureInfo.InvariantCulture)
        {
        }

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
    }
}
