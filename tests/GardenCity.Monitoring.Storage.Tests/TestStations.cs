using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Storage.Tests;

internal static class TestStations
{
    public static readonly Site Yongding = new("yongding-gorge", "永定河山峡段", "Yongding River gorge");
    public static readonly Site Baihua = new("baihua-mountain", "百花山", "Baihua Mountain");

    public static Station Create(string id, StationKind kind, Site site, string? watershed = null, string? zone = null) => new()
    {
        Id = id,
        Kind = kind,
        NameZh = id,
        NameEn = id,
        Site = site,
        Lat = 39.9,
        Lon = 116.0,
        ElevationM = 100,
        Watershed = watershed,
        Zone = zone,
        PasswordHash = "unused",
    };
}
