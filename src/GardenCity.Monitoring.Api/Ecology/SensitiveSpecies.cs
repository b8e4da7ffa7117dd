using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Ecology;

/// <summary>The configured sensitive species (<see cref="EcologyOptions.SensitiveSpecies"/>).</summary>
public sealed class SensitiveSpecies
{
    private readonly string[] _names;

    /// <summary>From the settings.</summary>
    public SensitiveSpecies(IOptions<EcologyOptions> options)
        : this(options?.Value.SensitiveSpecies ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    /// <summary>From a list of names (tests).</summary>
    public SensitiveSpecies(IEnumerable<string> names) => _names = [.. names.Select(n => n.Trim())];

    /// <summary>None: nothing is held for review.</summary>
    public static SensitiveSpecies None { get; } = new(Array.Empty<string>());

    /// <summary>The names as configured.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Whether a stored species name is sensitive: equal to a configured name, or a subspecies of one.</summary>
    public bool Matches(string species) =>
        _names.Any(n => species.Equals(n, StringComparison.Ordinal) || (species.StartsWith(n, StringComparison.Ordinal) && species.Length > n.Length && species[n.Length] == ' '));
}
