using System.Xml.Linq;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// The dependency rule of docs/architecture.md, read from the project files themselves: a star around Core. Messaging
/// and Storage sit beside Core; Ingestion, Alerting and the API use them and never one another; only the host (and
/// the simulator's own tree) composes. ServiceDefaults (what every role shares: telemetry, health endpoints,
/// TimeProvider) references no project and only the host references it, so a role stays usable in a test host or
/// another composition without the web listener and exporters. A reference that breaks the rule fails here, naming
/// both projects.
/// </summary>
public sealed class ProjectReferencesTests
{
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["GardenCity.Monitoring.Core"] = [],
        ["GardenCity.Monitoring.Messaging"] = ["GardenCity.Monitoring.Core"],
        ["GardenCity.Monitoring.Storage"] = ["GardenCity.Monitoring.Core"],
        ["GardenCity.Monitoring.Ingestion"] = ["GardenCity.Monitoring.Core", "GardenCity.Monitoring.Messaging", "GardenCity.Monitoring.Storage"],
        ["GardenCity.Monitoring.Alerting"] = ["GardenCity.Monitoring.Core", "GardenCity.Monitoring.Messaging", "GardenCity.Monitoring.Storage"],
        ["GardenCity.Monitoring.Api"] = ["GardenCity.Monitoring.Core", "GardenCity.Monitoring.Storage"],
        ["GardenCity.Monitoring.ServiceDefaults"] = [],
        ["GardenCity.Monitoring.Host"] = ["GardenCity.Monitoring.Core", "GardenCity.Monitoring.Messaging", "GardenCity.Monitoring.Storage", "GardenCity.Monitoring.Ingestion", "GardenCity.Monitoring.Alerting", "GardenCity.Monitoring.Api", "GardenCity.Monitoring.ServiceDefaults"],
    };

    [Fact]
    public void SourceProjects_ReferenceOnlyWhatTheArchitectureAllows()
    {
        var projects = Directory.GetFiles(Path.Combine(Repo.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .ToDictionary(p => Path.GetFileNameWithoutExtension(p), StringComparer.Ordinal);

        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), projects.Keys.Order(StringComparer.Ordinal));
        var violations = new List<string>();
        foreach ((string name, string path) in projects)
        {
            foreach (string reference in References(path))
            {
                if (!Allowed[name].Contains(reference))
                {
                    violations.Add($"{name} references {reference}");
                }
            }
        }

        Assert.True(violations.Count == 0, "References the architecture forbids (docs/architecture.md):\n" + string.Join("\n", violations));
    }

    private static IEnumerable<string> References(string csproj) =>
        XDocument.Load(csproj).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')));
}
