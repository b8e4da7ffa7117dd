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

    /// <summary>The official OASIS CAP 1.2 schema, unchanged (Data/README.md).</summary>
    private static readonly string SchemaPath = Path.Combine(AppContext.BaseDirectory, "Data", "CAP-v1.2.xsd");

    [Fact]
    public void Schema_IsTheOfficialOasisFileUnchanged()
    {
        string sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(SchemaPath)));

        Assert.Equal("f6c6ed7537a463968b7b36110f7e8bba1f86ad2257a8b84619d7dce530e57401", sha256);
    }

    /// <summary>Issue 14: instruction (from the rule), expires, web (the alert's dashboard page) and contact in each info.</summary>
    [Fact]
    public void Write_RaisedFloodAlert_CarriesInstructionExpiresWebAndContact()
    {
        List<AlertChange> changes = FloodIncident();
        var options = new CapOptions { Validity = TimeSpan.FromHours(3) };
        var dashboard = new DashboardOptions { BaseUrl = "https://duty.example.cn/gc/" };

        XElement alert = XDocument.Parse(CapWriter.Write(changes[0], options, dashboard, T0, null)).Root!;
        XElement cancel = XDocument.Parse(CapWriter.Write(changes[^1], options, dashboard, T0.AddHours(2), (CapWriter.Identifier(changes[0]), T0))).Root!;

        XElement[] infos = alert.Elements(Cap + "info").ToArray();
        DateTimeOffset effective = DateTimeOffset.Parse(infos[0].Element(Cap + "effective")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(CapWriter.Time(effective.AddHours(3)), infos[0].Element(Cap + "expires")!.Value);
        Assert.Contains("转移", infos[0].Element(Cap + "instruction")!.Value, StringComparison.Ordinal);
        Assert.Contains("evacuat", infos[1].Element(Cap + "instruction")!.Value, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("https://duty.example.cn/gc/?alert=" + Uri.EscapeDataString(changes[0].Alert.Id), infos[1].Element(Cap + "web")!.Value);
        Assert.Equal(new CapOptions().Contact, infos[0].Element(Cap + "contact")!.Value);
        Assert.All(cancel.Elements(Cap + "info"), i => Assert.Null(i.Element(Cap + "instruction"))); // nothing to do after an all-clear
        Validate(alert.ToString());
        Validate(cancel.ToString());
    }

    /// <summary>Issue 14: the Atom feed has an author and a self link, and its titles in the language asked for.</summary>
    [Theory]
    [InlineData("zh", "zh-CN", "发布：")]
    [InlineData("en", "en-US", "Raised: ")]
    public void Atom_FeedOfALanguage_HasAuthorSelfLinkAndTitlesInThatLanguage(string language, string xmlLang, string titleStart)
    {
        var feed = new CapFeed();
        feed.Add(FloodIncident()[0], new CapOptions(), new DashboardOptions(), T0);
        XNamespace atom = "http://www.w3.org/2005/Atom";

        XElement root = XDocument.Parse(feed.Atom("http://127.0.0.1:8080/api/v1", T0, language, "门头沟监测")).Root!;

        Assert.Equal(xmlLang, root.Attribute(XNamespace.Xml + "lang")!.Value);
        Assert.Equal("门头沟监测", root.Element(atom + "author")!.Element(atom + "name")!.Value);
        Assert.Equal($"http://127.0.0.1:8080/api/v1/alerts/cap.atom?lang={language}", root.Elements(atom + "link").Single(l => l.Attribute("rel")!.Value == "self").Attribute("href")!.Value);
        Assert.StartsWith(titleStart, root.Element(atom + "entry")!.Element(atom + "title")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_EmptyDashboardBase_LeavesWebOut()
    {
        XElement alert = XDocument.Parse(CapWriter.Write(FloodIncident()[0], new CapOptions(), new DashboardOptions { BaseUrl = string.Empty }, T0, null)).Root!;

        Assert.Empty(alert.Descendants(Cap + "web"));
        Assert.NotEmpty(alert.Descendants(Cap + "contact"));
    }

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
        schemas.Add(CapWriter.Namespace, SchemaPath);
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
            Assert.NotNull(feed.Add(change, new CapOptions(), new DashboardOptions(), T0.AddHours(1).AddSeconds(i)));
        }

        List<CapEntry> entries = feed.Entries.Reverse().ToList();
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
        string xml = CapWriter.Write(FloodIncident()[0], new CapOptions(), new DashboardOptions(), T0, null);
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

        Assert.Null(new CapFeed().Add(leopard, new CapOptions(), new DashboardOptions(), T0));
        AlertNotification n = leopard.ToNotification();
        Assert.True(n.RequiresVerification);
        Assert.Null(n.Lat);
        Assert.Equal("gc/v1/alerts/ecology/species-leopard/bhs-ct-01", AlertNotification.Topic(n.Audience, n.RuleId, n.StationId));
    }

    /// <summary>
    /// Protected locations (docs/ecology.md): a maintenance alert of a camera trap names the station and site but carries
    /// no coordinates (it goes to a non-ecology audience); the same alert of a weather station carries them; an ecology
    /// alert of a camera that is not sensitive (people at night) carries them for the ecology audience.
    /// </summary>
    [Fact]
    public void Notification_CameraTrapCoordinates_OnlyForTheEcologyAudience()
    {
        AlertEngine engine = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        List<AlertChange> changes = Feed(engine,
        [
            Status("bhs-ct-01", T0, battery: 10.2), Status("bhs-wx-01", T0, battery: 10.2),
            Camera("bhs-ct-01", T0.AddHours(14), "human", 0.9), // 22:00 Beijing time
        ]);

        AlertNotification camera = changes.First(c => c.Rule.Id == "battery-low" && c.Station.Id == "bhs-ct-01").ToNotification();
        AlertNotification weather = changes.First(c => c.Rule.Id == "battery-low" && c.Station.Id == "bhs-wx-01").ToNotification();
        AlertNotification people = changes.First(c => c.Rule.Id == "people-core-zone-night").ToNotification();

        Assert.Equal((Audience.Maintenance, null, null, "baihua-mountain"), (camera.Audience, camera.Lat, camera.Lon, camera.Site));
        Assert.NotNull(weather.Lat);
        Assert.Equal((Audience.Ecology, 39.8412), (people.Audience, people.Lat));
    }
}
