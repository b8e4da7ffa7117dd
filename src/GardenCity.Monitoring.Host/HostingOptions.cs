using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Host;

/// <summary>Which roles this process runs and where its registry is (section <c>GardenCity</c>).</summary>
public sealed class HostingOptions : IValidatableObject
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

    /// <summary>
    /// Folder of the runtime's startup profile (<c>StartupProfile</c>): what a run compiled, compiled ahead in the
    /// background at the next start of the same roles. Empty turns it off.
    /// </summary>
    /// <value>The default value is <c>data/startup-profile</c>, relative to the working folder.</value>
    public string StartupProfileDirectory { get; set; } = "data/startup-profile";

    /// <summary>The roles named in <see cref="Roles"/>, known or not.</summary>
    internal IReadOnlySet<string> RoleSet =>
        (Roles ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Roles))
        {
            yield break; // [Required] says so
        }

        string[] unknown = RoleSet.Where(r => !KnownRoles.Contains(r)).ToArray();
        if (unknown.Length > 0 || RoleSet.Count == 0)
        {
            yield return new ValidationResult(
                $"{SectionName}:Roles '{Roles}' {(unknown.Length > 0 ? "names unknown role(s) " + string.Join(", ", unknown) : "is empty")}; this build knows {string.Join(", ", KnownRoles)}.",
                [nameof(Roles)]);
        }
    }
}
