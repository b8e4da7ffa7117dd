using System.Globalization;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Core.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.Core.Stations;

/// <summary>
/// Loads <c>deploy/stations.yaml</c>. Every problem is reported with file, line, column and field;
/// a file with any problem is refused whole (<see cref="RegistryException"/>).
/// </summary>
public static partial class StationRegistryLoader
{
    private static readonly string[] ZoneNames = ["core", "buffer", "experimental"];

    /// <summary>Loads and validates a registry file.</summary>
    public static StationRegistry LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RegistryException([new ConfigFileError(path, 0, 0, "(file)", ex.Message)]);
        }

        return Load(text, path);
    }

    /// <summary>Loads and validates registry YAML; <paramref name="fileName"/> is used in messages.</summary>
    public static StationRegistry Load(string yaml, string fileName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var ctx = new YamlContext(fileName);
        var stream = new YamlStream();
        if (YamlSyntax.TryLoad(stream, yaml, fileName) is { } syntax)
        {
            throw new RegistryException([syntax]);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new RegistryException([new ConfigFileError(fileName, 1, 1, "(root)", "expected one YAML document with a mapping at the top")]);
        }

        ctx.CheckKeys(root, "(root)", ["version", "sites", "stations", "hazard_units"]);
        YamlNode? version = ctx.Child(root, "version", "version", required: true);
        if (version is not null && ctx.Scalar(version, "version") is { } v && v != "1")
        {
            ctx.Error(version, "version", $"unsupported registry version '{v}', expected 1");
        }

        var sites = new Dictionary<string, Site>(StringComparer.Ordinal);
        foreach ((YamlMappingNode node, string path) in ctx.Items(root, "sites"))
        {
            Site? site = ReadSite(ctx, node, path);
            if (site is null)
            {
                continue;
            }

            if (!sites.TryAdd(site.Id, site))
            {
                ctx.Error(node, path + ".id", $"duplicate site id '{site.Id}'");
            }
        }

        var stations = new Dictionary<string, Station>(StringComparer.Ordinal);
        foreach ((YamlMappingNode node, string path) in ctx.Items(root, "stations"))
        {
            Station? station = ReadStation(ctx, node, path, sites);
            if (station is not null && !stations.TryAdd(station.Id, station))
            {
                ctx.Error(node, StationPath(path, station.Id) + ".id", $"duplicate station id '{station.Id}'");
            }
        }

        var units = new Dictionary<string, HazardUnit>(StringComparer.Ordinal);
        if (root.Children.ContainsKey(new YamlScalarNode("hazard_units")))
        {
            foreach ((YamlMappingNode node, string path) in ctx.Items(root, "hazard_units"))
            {
                HazardUnit? unit = HazardUnitReader.Read(ctx, node, path, sites, stations);
                if (unit is not null && !units.TryAdd(unit.Id, unit))
                {
                    ctx.Error(node, $"{path}({unit.Id}).id", $"duplicate hazard unit id '{unit.Id}'");
                }
            }
        }

        if (ctx.Errors.Count > 0)
        {
            throw new RegistryException(ctx.Errors);
        }

        return new StationRegistry(sites.Values, stations.Values, units.Values);
    }

    private static Site? ReadSite(YamlContext ctx, YamlMappingNode node, string path)
    {
        ctx.CheckKeys(node, path, ["id", "zh", "en"]);
        string? id = ctx.RequiredString(node, "id", path);
        string? zh = ctx.RequiredString(node, "zh", path);
        string? en = ctx.RequiredString(node, "en", path);
        if (id is not null && !SlugPattern().IsMatch(id))
        {
            ctx.Error(node.Children[new YamlScalarNode("id")], path + ".id", $"'{id}' is not a slug ([a-z0-9][a-z0-9-]*)");
            return null;
        }

        return id is null || zh is null || en is null ? null : new Site(id, zh, en);
    }

    private static Station? ReadStation(YamlContext ctx, YamlMappingNode node, string path, Dictionary<string, Site> sites)
    {
        int errorsBefore = ctx.Errors.Count;
        string? id = ctx.RequiredString(node, "id", path);
        if (id is not null && !WireTopic.IsValidStationId(id))
        {
            ctx.Error(ctx.Child(node, "id", path + ".id", true)!, path + ".id", $"'{id}' is not a valid station id ([a-z0-9][a-z0-9-]{{0,63}})");
            id = null;
        }

        string at = StationPath(path, id);
        ctx.CheckKeys(node, at, ["id", "kind", "name", "site", "lat", "lon", "elevation_m", "watershed", "warning_level_m", "guaranteed_level_m", "zone", "password_hash"]);
        StationKind kind = default;
        bool kindKnown = false;
        if (ctx.RequiredString(node, "kind", at) is { } kindText && !(kindKnown = StationKinds.TryParse(kindText, out kind)))
        {
            ctx.Error(ctx.Child(node, "kind", at + ".kind", true)!, at + ".kind", $"unknown kind '{kindText}', expected one of weather, water-level, fire, camera-trap");
        }

        (string? nameZh, string? nameEn) = ctx.ZhEn(node, "name", at);

        Site? site = null;
        if (ctx.RequiredString(node, "site", at) is { } siteId && !sites.TryGetValue(siteId, out site))
        {
            ctx.Error(ctx.Child(node, "site", at + ".site", true)!, at + ".site", $"unknown site '{siteId}'; sites are listed under 'sites'");
        }

        double? lat = ctx.Number(node, "lat", at, required: true, min: -90, max: 90);
        double? lon = ctx.Number(node, "lon", at, required: true, min: -180, max: 180);
        double? elevation = ctx.Number(node, "elevation_m", at, required: true, min: -500, max: 9000);
        string? watershed = ctx.OptionalString(node, "watershed", at);
        double? warning = ctx.Number(node, "warning_level_m", at, required: false, min: -20, max: 200);
        double? guaranteed = ctx.Number(node, "guaranteed_level_m", at, required: false, min: -20, max: 200);
        string? zone = ctx.OptionalString(node, "zone", at);
        if (zone is not null && !ZoneNames.Contains(zone))
        {
            ctx.Error(ctx.Child(node, "zone", at + ".zone", true)!, at + ".zone", $"unknown zone '{zone}', expected core, buffer or experimental");
        }

        if (kind == StationKind.WaterLevel && ctx.Errors.Count == errorsBefore)
        {
            if (watershed is null)
            {
                ctx.Error(node, at + ".watershed", "a water-level gauge needs its watershed");
            }

            if (warning is null)
            {
                ctx.Error(node, at + ".warning_level_m", "a water-level gauge needs its warning level (警戒水位)");
            }

            if (guaranteed is null)
            {
                ctx.Error(node, at + ".guaranteed_level_m", "a water-level gauge needs its guaranteed level (保证水位)");
            }

            if (warning is not null && guaranteed is not null && guaranteed <= warning)
            {
                ctx.Error(ctx.Child(node, "guaranteed_level_m", at, true)!, at + ".guaranteed_level_m", $"guaranteed level {guaranteed} m must be above the warning level {warning} m");
            }
        }
        else if (kindKnown && kind != StationKind.WaterLevel && (warning is not null || guaranteed is not null))
        {
            ctx.Error(node, at + ".warning_level_m", "warning and guaranteed levels apply to water-level gauges only");
        }

        string? hash = ctx.RequiredString(node, "password_hash", at);
        if (hash is not null && !PasswordHasher.IsWellFormed(hash))
        {
            ctx.Error(ctx.Child(node, "password_hash", at, true)!, at + ".password_hash", "not a pbkdf2-sha256 hash (make one with 'gardencity registry hash-password')");
        }

        if (ctx.Errors.Count > errorsBefore)
        {
            return null;
        }

        return new Station
        {
            Id = id!,
            Kind = kind,
            NameZh = nameZh!,
            NameEn = nameEn!,
            Site = site!,
            Lat = lat!.Value,
            Lon = lon!.Value,
            ElevationM = elevation!.Value,
            Watershed = watershed,
            WarningLevelM = warning,
            GuaranteedLevelM = guaranteed,
            Zone = zone,
            PasswordHash = hash!,
        };
    }

    private static string StationPath(string path, string? id) => id is null ? path : $"{path}({id})";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SlugPattern();
}
