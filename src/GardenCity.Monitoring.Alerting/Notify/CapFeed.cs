using GardenCity.Monitoring.Core.Alerts;
using System.Globalization;
using System.Xml;
using GardenCity.Monitoring.Alerting.Engine;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>One CAP message of the feed.</summary>
public sealed record CapEntry(string Identifier, string AlertId, DateTimeOffset Sent, string Title, string Xml);

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
            var entry = new CapEntry(CapWriter.Identifier(change), change.Alert.Id, sent, $"{change.Transition}: {change.Alert.MessageEn}", xml);
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

    /// <summary>The Atom feed; <paramref name="baseUrl"/> prefixes the message links.</summary>
    public string Atom(string baseUrl, DateTimeOffset now)
    {
        const string atom = "http://www.w3.org/2005/Atom";
        IReadOnlyList<CapEntry> entries = Entries;
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var w = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
        {
            w.WriteStartElement("feed", atom);
            w.WriteElementString("id", atom, "urn:gardencity:cap-feed");
            w.WriteElementString("title", atom, "GardenCity.Monitoring CAP 1.2 alerts");
            w.WriteElementString("updated", atom, (entries.Count > 0 ? entries[0].Sent : now).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            foreach (CapEntry e in entries)
            {
                w.WriteStartElement("entry", atom);
                w.WriteElementString("id", atom, "urn:gardencity:cap:" + e.Identifier);
                w.WriteElementString("title", atom, e.Title);
                w.WriteElementString("updated", atom, e.Sent.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
                w.WriteStartElement("link", atom);
                w.WriteAttributeString("rel", "alternate");
                w.WriteAttributeString("type", "application/cap+xml");
                w.WriteAttributeString("href", $"{baseUrl.TrimEnd('/')}/alerts/cap/{Uri.EscapeDataString(e.Identifier)}.xml");
                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        return text.ToString();
    }
}
