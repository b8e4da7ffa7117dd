using System.Globalization;
using System.Text;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.LoadGen;

/// <summary>
/// The registry the load is valid for: <c>stations</c> water-level gauges <c>load-wl-00000</c>… on the Yongding
/// gorge site, warning level 3.0 m and guaranteed level 4.5 m (what <see cref="LoadPlan"/>'s crossings are made for),
/// all with one password, hashed once (PBKDF2, the default iterations) so the embedded broker can log them in.
/// </summary>
internal static class RegistryWriter
{
    /// <summary>The registry YAML.</summary>
    public static string Yaml(int stations, string password)
    {
        string hash = PasswordHasher.Hash(password);
        var yaml = new StringBuilder("# Written by gardencity-load registry: the load generator's stations (bench/README.md).\nversion: 1\nsites:\n"
            + "  - { id: yongding-gorge, zh: 永定河山峡段, en: Yongding River gorge }\nstations:\n");
        for (int s = 0; s < stations; s++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"""
                  - id: {LoadPlan.StationId(s)}
                    kind: water-level
                    name: {"{"} zh: "负载水位站{s}", en: "load gauge {s}" {"}"}
                    site: yongding-gorge
                    lat: 39.95
                    lon: 115.86
                    elevation_m: 300
                    watershed: yongding
                    warning_level_m: 3.0
                    guaranteed_level_m: 4.5
                    password_hash: "{hash}"

                """);
        }

        return yaml.ToString();
    }
}
