using GardenCity.Monitoring.Core.Alerts;
using System.Globalization;
using System.Xml;
using GardenCity.Monitoring.Alerting.Engine;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>One CAP message of the feed; <paramref name="Title"/> in English, <paramref name="TitleZh"/> in Chinese (null in state saved before it existed).</summary>
public sealed record CapEntry(string Identifier, string AlertId, DateTimeOffset Sent, string Title, string Xml, string? TitleZh = null);

/// <summary>
/// The CAP 1.2 messages of emergency alerts, newest first, served as an Atom feed (<c>/alerts/cap.atom</c>) with each
/// message at <c>/alerts/cap/{identifier}.xml</c>. Keeps the latest <see cref="Capacity"/> messages. Thread-safe.
/// </summary>
public sealed class CapFeed
{
    /// <summary>Messages kept.</summary>
    public const int Capacity = 500;

    private readonly Lock _gate = new();
    private readonly List<CapEntry> _entries = [];

    /// <summary>Messages, newest first.</summary>
    public IReadOnlyList<CapEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToList();
            }
        }
    }

    /// <summary>Adds the message of an emergency alert change; returns it (null for other audiences and late notices).</summary>
    public CapEntry? Add(AlertChange change, CapOptions options, DateTimeOffset sent)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Alert.Audience != Audience.Emergency || change.Transition == Transition.Late)
        {
            return null;
        }

        lock (_gate)
        {
            CapEntry? previous = _entries.FirstOrDefault(e => e.AlertId == change.Alert.Id);
            string xml = CapWriter.Write(change, options, sent, previous is null ? null : (previous.Identifier, previous.Sent));
            var entry = new CapEntry(CapWriter.Identifier(change), change.Alert.Id, sent, $"{change.Transition}: {change.Alert.MessageEn}", xml, $"{TransitionZh(change.Transition)}：{change.Alert.MessageZh}");
            _entries.Insert(0, entry);
            if (_entries.Count > Capacity)
            {
                _entries.RemoveRange(Capacity, _entries.Count - Capacity);
            }

            return entry;
        }
    }

    /// <summary>Replaces the content (restored state).</summary>
    public void Restore(IEnumerable<CapEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_gate)
        {
            _entries.Clear();
            _entries.AddRange(entries.Take(Capacity));
        }
    }

    /// <summary>One message by identifier.</summary>
    public CapEntry? Find(string identifier)
    {
        lock (_gate)
        {
            return _entries.FirstOrDefault(e => e.Identifier == identifier);
        }
    }

    /// <summary>
    /// The Atom feed (RFC 4287): titled in <paramref name="language"/> (<c>zh</c> or <c>en</c>, also its <c>xml:lang</c>),
    /// with its author, a <c>rel="self"</c> link and each message linked under <paramref name="baseUrl"/>.
    /// </summary>
    public string Atom(string baseUrl, DateTimeOffset now, string language = "zh", string author = "GardenCity.Monitoring")
    {
        const string Atom = "http://www.w3.org/2005/Atom";
        bool zh = language != "en";
        string root = baseUrl.TrimEnd('/');
        IReadOnlyList<CapEntry> entries = Entries;
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var w = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
        {
            w.WriteStartElement("feed", Atom);
            w.WriteAttributeString("xml", "lang", null, zh ? "zh-CN" : "en-US");
            w.WriteElementString("id", Atom, "urn:gardencity:cap-feed:" + (zh ? "zh" : "en"));
            w.WriteElementString("title", Atom, zh ? "门头沟生态与应急监测 CAP 1.2 预警" : "GardenCity.Monitoring CAP 1.2 alerts");
            w.WriteElementString("updated", Atom, (entries.Count > 0 ? entries[0].Sent : now).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            w.WriteStartElement("author", Atom);
            w.WriteElementString("name", Atom, author);
            w.WriteEndElement();
            w.WriteStartElement("link", Atom);
            w.WriteAttributeString("rel", "self");
            w.WriteAttributeString("type", "application/atom+xml");
            w.WriteAttributeString("href", $"{root}/alerts/cap.atom?lang={(zh ? "zh" : "en")}");
            w.WriteEndElement();
            foreach (CapEntry e in entries)
            {
                w.WriteStartElement("entry", Atom);
                w.WriteElementString("id", Atom, "urn:gardencity:cap:" + e.Identifier);
                w.WriteElementString("title", Atom, zh && e.TitleZh is { } titleZh ? titleZh : e.Title);
                w.WriteElementString("updated", Atom, e.Sent.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
                w.WriteStartElement("link", Atom);
                w.WriteAttributeString("rel", "alternate");
                w.WriteAttributeString("type", "application/cap+xml");
                w.WriteAttributeString("href", $"{root}/alerts/cap/{Uri.EscapeDataString(e.Identifier)}.xml");
                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        return text.ToString();
    }

    private static string TransitionZh(Transition transition) => transition switch
    {
        Transition.Raised => "发布",
        Transition.Escalated => "升级",
        Transition.DeEscalated => "降级",
        Transition.Resolved => "解除",
        Transition.Acknowledged => "已确认",
        Transition.Stale => "数据中断",
        Transition.LostContact => "失联",
        Transition.ContactRestored => "恢复联系",
        Transition.Closed => "人工关闭",
        _ => "更新",
    };
}
