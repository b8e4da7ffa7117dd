using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Host;

/// <summary>Which roles this process runs and where its registry is.</summary>
public sealed class HostingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity";

    /// <summary>Roles known to this build.</summary>
    public static readonly string[] KnownRoles = ["broker", "ingest", "alerting", "api"];

    /// <summary>Comma-separated roles to run. <c>broker</c> is added by itself when <c>GardenCity:Mqtt:Host</c> is empty.</summary>
    /// <value>The default value is <c>ingest</c>.</value>
    [Required]
    public string Roles { get; set; } = "ingest";

    /// <summary>Path of the station registry.</summary>
    /// <value>The default value is <c>deploy/stations.yaml</c>, relative to the working folder.</value>
    [Required]
    public string RegistryPath { get; set; } = "deploy/stations.yaml";
}
