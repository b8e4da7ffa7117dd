using GardenCity.Monitoring.Core.Alerts;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Notify;

public sealed class CapWriterTests
{
    private static readonly XNamespace Cap = CapWriter.Namespace;

    private static List<AlertChange> FloodIncident()
    {
        AlertEngine engine = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        double[] levels = [1.5, 2.1, 3.1, 1.0, 1.0, 1.0];
        return Feed(engine, levels.Select((l, i) => (Core.Readings.Reading)Telemetry("qs-wl-01", T0.AddMinutes(20 * i), i, ("water_level_m", l))))
            .Where(c => c.Rule.Id == "flood-level").ToList();
    }

    private static void Validate(string xml)
    {
        var schemas = new XmlSchemaSet();
        schemas.Add(CapWriter.Namespace, Path.Combine(AppContext.BaseDirectory, "Data", "cap-1.2.xsd"));
        var errors = new List<string>();
        XDocument.Parse(xml).Validate(schemas, (_, e) => errors.Add(e.Message));
        Assert.Empty(errors);
    }

    [Fact]
    public void Feed_FloodIncident_AlertUpdateCancelAllValidAgainstTheCapSchema()
    {
        var feed = new CapFeed();
        List<AlertChange> changes = FloodIncident();

        foreach ((AlertChange change, int i) in changes.Select((c, i) => (c, i)))
        {
            Assert.NotNull(feed.Add(change, new CapOptions(), T0.AddHours(1).AddSeconds(i)));
        }

        IReadOnlyList<CapEntry> entries = feed.Entries.Reverse().ToList();
        Assert.Equal(["Alert", "Update", "Cancel"], entries.Select(e => XDocument.Parse(e.Xml).Root!.Element(Cap + "msgType")!.Value));
        foreach (CapEntry entry in entries)
        {
            Validate(entry.Xml);
        }

        XElement alert = XDocument.Parse(entries[1].Xml).Root!;
        Assert.Equal("2023-07-30T09:00:01+08:00", alert.Element(Cap + "sent")!.Value);
        Assert.Equal($"gardencity@mentougou.monitoring,{entries[0].Identifier},2023-07-30T09:00:00+08:00", alert.Element(Cap + "references")!.Value);
        Assert.Equal("Restricted", alert.Element(Cap + "scope")!.Value);
        XElement[] infos = alert.Elements(Cap + "info").ToArray();
        Assert.Equal(["zh-CN", "en-US"], infos.Select(i => i.Element(Cap + "language")!.Value));
        Assert.Equal("Extreme", infos[0].Element(Cap + "severity")!.Value);
        Assert.Equal("红色", infos[0].Elements(Cap + "parameter").Single(p => p.Element(Cap + "valueName")!.Value == "CN_WARNING_COLOR").Element(Cap + "value")!.Value);
        Core.Stations.Station gauge = Station("qs-wl-01");
        Assert.Equal(FormattableString.Invariant($"{gauge.Lat:0.######},{gauge.Lon:0.######} 1"), infos[1].Element(Cap + "area")!.Element(Cap + "circle")!.Value);
        Assert.Contains("/alerts/cap/" + Uri.EscapeDataString(entries[2].Identifier) + ".xml", feed.Atom("http://127.0.0.1:9464", T0), StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_RejectsAZuluTimeAndAWrongOrder_SoTheValidationCanFail()
    {
        string xml = CapWriter.Write(FloodIncident()[0], new CapOptions(), T0, null);
        string zulu = xml.Replace("<sent>2023-07-30T08:00:00+08:00</sent>", "<sent>2023-07-30T00:00:00Z</sent>", StringComparison.Ordinal);
        string reordered = xml.Replace("<status>Actual</status>\n  <msgType>Alert</msgType>", "<msgType>Alert</msgType>\n  <status>Actual</status>", StringComparison.Ordinal);

        Assert.NotEqual(xml, zulu);
        Assert.NotEqual(xml, reordered);
        Assert.ThrowsAny<Exception>(() => Validate(zulu));
        Assert.ThrowsAny<Exception>(() => Validate(reordered));
    }

    [Fact]
    public void Add_EcologyAlert_MakesNoCapMessage()
    {
        AlertEngine engine = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        AlertChange leopard = Feed(engine, [Camera("bhs-ct-01", T0, "Panthera pardus japonensis", 0.95)]).Single(c => c.Rule.Id == "species-leopard");

        Assert.Null(new CapFeed().Add(leopard, new CapOptions(), T0));
        AlertNotification n = leopard.ToNotification();
        Assert.True(n.RequiresVerification);
        Assert.Null(n.Lat);
        Assert.Equal("gc/v1/alerts/ecology/species-leopard/bhs-ct-01", AlertNotification.Topic(n.Audience, n.RuleId, n.StationId));
    }
}
