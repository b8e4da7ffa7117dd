namespace GardenCity.Monitoring.Core.Quality;

/// <summary>Where the quality policy is (section <c>GardenCity:Quality</c>, docs/data-quality.md).</summary>
public sealed class QualityOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Quality";

    /// <summary>The file the default <see cref="PolicyFile"/> looks for.</summary>
    public const string DefaultPolicyFile = "deploy/quality.yaml";

    /// <summary>
    /// The quality policy file. Unset: <see cref="DefaultPolicyFile"/> when it exists, else no checks. Empty: no checks.
    /// Set: that file, which must load.
    /// </summary>
    /// <value>The default value is null (use <c>deploy/quality.yaml</c> when present).</value>
    public string? PolicyFile { get; set; }

    /// <summary>The file to load, or null for no checks.</summary>
    public string? ResolvedPath => PolicyFile switch
    {
        null => File.Exists(DefaultPolicyFile) ? DefaultPolicyFile : null,
        "" => null,
        string path => path,
    };
}
