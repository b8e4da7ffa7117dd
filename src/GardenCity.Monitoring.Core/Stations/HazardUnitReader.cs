using System.Globalization;
using GardenCity.Monitoring.Core.Time;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Core.Yaml;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.Core.Stations;

/// <summary>Reads one entry of the registry's <c>hazard_units:</c> list (docs/geohazard.md), naming file:line:field on every problem.</summary>
internal static class HazardUnitReader
{
    private static readonly string[] Keys = ["id", "kind", "name", "site", "area", "gauges", "rainfall", "thresholds"];

    public static HazardUnit? Read(YamlContext ctx, YamlMappingNode node, string path, Dictionary<string, Site> sites, Dictionary<string, Station> stations)
    {
        int errorsBefore = ctx.Errors.Count;
        string? id = ctx.RequiredString(node, "id", path);
        if (id is not null && !WireTopic.IsValidStationId(id))
        {
            ctx.Error(ctx.Child(node, "id", path + ".id", true)!, path + ".id", $"'{id}' is not a valid unit id ([a-z0-9][a-z0-9-]{{0,63}})");
            id = null;
        }
        else if (id is not null && stations.ContainsKey(id))
        {
            ctx.Error(ctx.Child(node, "id", path + ".id", true)!, path + ".id", $"'{id}' is already a station id; alerts are keyed by it, so give the unit its own id (e.g. '{id}-df')");
        }

        string at = id is null ? path : $"{path}({id})";
        ctx.CheckKeys(node, at, Keys);
        HazardUnitKind kind = default;
        if (ctx.RequiredString(node, "kind", at) is { } kindText)
        {
            switch (kindText)
            {
                case "debris-flow": kind = HazardUnitKind.DebrisFlow; break;
                case "landslide": kind = HazardUnitKind.Landslide; break;
                default: ctx.Error(ctx.Child(node, "kind", at, true)!, at + ".kind", $"unknown hazard kind '{kindText}', expected debris-flow or landslide"); break;
            }
        }

        (string? nameZh, string? nameEn) = ctx.ZhEn(node, "name", at);

        Site? site = null;
        if (ctx.RequiredString(node, "site", at) is { } siteId && !sites.TryGetValue(siteId, out site))
        {
            ctx.Error(ctx.Child(node, "site", at, true)!, at + ".site", $"unknown site '{siteId}'; sites are listed under 'sites'");
        }

        (double Lat, double Lon, double? Radius, List<(double, double)>? Polygon)? area = ReadArea(ctx, node, at);
        var gauges = new List<string>();
        if (ctx.Child(node, "gauges", at + ".gauges", required: true) is { } gaugeNode)
        {
            if (gaugeNode is not YamlSequenceNode { Children.Count: > 0 } list)
            {
                ctx.Error(gaugeNode, at + ".gauges", "expected a non-empty list of station ids, e.g. [hhg-wl-01, mtg-wx-01]");
            }
            else
            {
                foreach (YamlNode item in list.Children)
                {
                    string? gauge = ctx.Scalar(item, at + ".gauges");
                    if (gauge is null)
                    {
                        continue;
                    }

                    if (!stations.TryGetValue(gauge, out Station? station))
                    {
                        ctx.Error(item, at + ".gauges", $"unknown station '{gauge}'; list stations of the registry's 'stations'");
                    }
                    else if (station.Kind is not (StationKind.Weather or StationKind.WaterLevel))
                    {
                        ctx.Error(item, at + ".gauges", $"'{gauge}' is a {station.Kind.ToWireName()} station, which has no rain gauge; use weather or water-level stations (they report rain_mm)");
                    }
                    else if (gauges.Contains(gauge))
                    {
                        ctx.Error(item, at + ".gauges", $"'{gauge}' is listed twice");
                    }
                    else
                    {
                        gauges.Add(gauge);
                    }
                }
            }
        }

        TimeSpan dryGap = TimeSpan.FromHours(6);
        double k = 0.8;
        int days = 10;
        if (ctx.Child(node, "rainfall", at + ".rainfall", required: false) is { } rainNode)
        {
            string rp = at + ".rainfall";
            if (rainNode is YamlMappingNode rain)
            {
                ctx.CheckKeys(rain, rp, ["dry_gap", "antecedent_k", "antecedent_days"]);
                if (ctx.OptionalString(rain, "dry_gap", rp) is { } gapText)
                {
                    if (Durations.TryParse(gapText, out TimeSpan gap) && gap >= TimeSpan.FromMinutes(30) && gap <= TimeSpan.FromDays(3))
                    {
                        dryGap = gap;
                    }
                    else
                    {
                        ctx.Error(ctx.Child(rain, "dry_gap", rp, true)!, rp + ".dry_gap", $"'{gapText}' is not a dry gap between 30m and 3d (e.g. 6h or 24h)");
                    }
                }

                k = ctx.Number(rain, "antecedent_k", rp, required: false, min: 0.01, max: 1) ?? k;
                double? n = ctx.Number(rain, "antecedent_days", rp, required: false, min: 0, max: 30);
                if (n is { } nd && nd != Math.Floor(nd))
                {
                    ctx.Error(ctx.Child(rain, "antecedent_days", rp, true)!, rp + ".antecedent_days", "expected a whole number of days (0 .. 30)");
                }
                else if (n is { } whole)
                {
                    days = (int)whole;
                }
            }
            else
            {
                ctx.Error(rainNode, rp, "expected a mapping with dry_gap, antecedent_k, antecedent_days");
            }
        }

        double? a = null, b = null, rainMm = null, intensity = null;
        if (ctx.Child(node, "thresholds", at + ".thresholds", required: false) is { } thrNode)
        {
            string tp = at + ".thresholds";
            if (thrNode is YamlMappingNode thr)
            {
                ctx.CheckKeys(thr, tp, ["curve", "rain_mm", "intensity_mm_h"]);
                if (ctx.Child(thr, "curve", tp + ".curve", required: false) is { } curveNode)
                {
                    if (curveNode is YamlMappingNode curve)
                    {
                        ctx.CheckKeys(curve, tp + ".curve", ["a", "b"]);
                        a = ctx.Number(curve, "a", tp + ".curve", required: true, min: 0.001, max: 10_000);
                        b = ctx.Number(curve, "b", tp + ".curve", required: true, min: -3, max: 0);
                    }
                    else
                    {
                        ctx.Error(curveNode, tp + ".curve", "expected a mapping {a: 14.82, b: -0.39} (I = a·D^b, D in hours)");
                    }
                }

                rainMm = ctx.Number(thr, "rain_mm", tp, required: false, min: 0.1, max: 5000);
                intensity = ctx.Number(thr, "intensity_mm_h", tp, required: false, min: 0.1, max: 500);
            }
            else
            {
                ctx.Error(thrNode, tp, "expected a mapping with curve, rain_mm, intensity_mm_h");
            }
        }

        if (ctx.Errors.Count > errorsBefore || area is not { } ar)
        {
            return null;
        }

        return new HazardUnit
        {
            Id = id!,
            Kind = kind,
            NameZh = nameZh!,
            NameEn = nameEn!,
            Site = site!,
            Lat = ar.Lat,
            Lon = ar.Lon,
            RadiusKm = ar.Radius,
            Polygon = ar.Polygon,
            Gauges = gauges,
            DryGap = dryGap,
            AntecedentK = k,
            AntecedentDays = days,
            CurveA = a,
            CurveB = b,
            CombinedRainMm = rainMm,
            CombinedIntensityMmH = intensity,
        };
    }

    /// <summary><c>area: {lat, lon, radius_km}</c> or <c>area: {polygon: [[lat, lon], ...]}</c> (closed: first = last, at least 4 points).</summary>
    private static (double Lat, double Lon, double? Radius, List<(double, double)>? Polygon)? ReadArea(YamlContext ctx, YamlMappingNode node, string at)
    {
        string ap = at + ".area";
        if (ctx.Child(node, "area", ap, required: true) is not { } areaNode)
        {
            return null;
        }

        if (areaNode is not YamlMappingNode area)
        {
            ctx.Error(areaNode, ap, "expected {lat, lon, radius_km} or {polygon: [[lat, lon], ...]}");
            return null;
        }

        ctx.CheckKeys(area, ap, ["lat", "lon", "radius_km", "polygon"]);
        if (!area.Children.ContainsKey(new YamlScalarNode("polygon")))
        {
            double? lat = ctx.Number(area, "lat", ap, required: true, min: -90, max: 90);
            double? lon = ctx.Number(area, "lon", ap, required: true, min: -180, max: 180);
            double? radius = ctx.Number(area, "radius_km", ap, required: true, min: 0.01, max: 100);
            return lat is null || lon is null || radius is null ? null : (lat.Value, lon.Value, radius, null);
        }

        if (area.Children.ContainsKey(new YamlScalarNode("radius_km")) || area.Children.ContainsKey(new YamlScalarNode("lat")))
        {
            ctx.Error(area, ap, "give either a circle (lat, lon, radius_km) or a polygon, not both");
            return null;
        }

        YamlNode polyNode = area.Children[new YamlScalarNode("polygon")];
        if (polyNode is not YamlSequenceNode seq)
        {
            ctx.Error(polyNode, ap + ".polygon", "expected a list of [lat, lon] pairs");
            return null;
        }

        var points = new List<(double, double)>();
        foreach (YamlNode item in seq.Children)
        {
            if (item is YamlSequenceNode { Children.Count: 2 } pair
                && pair.Children[0] is YamlScalarNode { Value: { } latText } && pair.Children[1] is YamlScalarNode { Value: { } lonText }
                && double.TryParse(latText, NumberStyles.Float, CultureInfo.InvariantCulture, out double plat) && plat is >= -90 and <= 90
                && double.TryParse(lonText, NumberStyles.Float, CultureInfo.InvariantCulture, out double plon) && plon is >= -180 and <= 180)
            {
                points.Add((plat, plon));
            }
            else
            {
                ctx.Error(item, ap + ".polygon", "expected a [lat, lon] pair in WGS 84 degrees, e.g. [39.93, 116.08]");
                return null;
            }
        }

        if (points.Count < 4 || points[0] != points[^1])
        {
            ctx.Error(polyNode, ap + ".polygon", "a polygon needs at least 4 points and must be closed (the last point repeats the first), as CAP 1.2 requires");
            return null;
        }

        return (points[0].Item1, points[0].Item2, null, points);
    }
}
