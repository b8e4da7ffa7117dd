using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Quality;

/// <summary>
/// The quality checks to run (deploy/quality.yaml, docs/data-quality.md): per kind and field, with per-station
/// overrides, and the clock-drift check. Immutable; load it with <see cref="QualityPolicyLoader"/>.
/// </summary>
public sealed class QualityPolicy
{
    private readonly IReadOnlyDictionary<StationKind, IReadOnlyDictionary<string, FieldQualityRules>> _kinds;
    private readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldQualityRules>> _stations;

    /// <summary>Creates a policy.</summary>
    /// <param name="kinds">Rules per kind and field.</param>
    /// <param name="stations">Per station and field, the kind's rules with the station's overrides applied (the loader merges them).</param>
    /// <param name="clock">The clock-drift check, or null for off.</param>
    public QualityPolicy(
        IReadOnlyDictionary<StationKind, IReadOnlyDictionary<string, FieldQualityRules>> kinds,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldQualityRules>> stations,
        ClockDriftRule? clock)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentNullException.ThrowIfNull(stations);
        _kinds = kinds;
        _stations = stations;
        Clock = clock;
    }

    /// <summary>A policy with no checks at all (every reading is good).</summary>
    public static QualityPolicy None { get; } = new(
        new Dictionary<StationKind, IReadOnlyDictionary<string, FieldQualityRules>>(),
        new Dictionary<string, IReadOnlyDictionary<string, FieldQualityRules>>(StringComparer.Ordinal),
        clock: null);

    /// <summary>The clock-drift check, or null when off.</summary>
    public ClockDriftRule? Clock { get; }

    /// <summary>The rules for one field of one station: the station's own entry, else its kind's, else none.</summary>
    public FieldQualityRules For(Station station, string field)
    {
        ArgumentNullException.ThrowIfNull(station);
        if (_stations.TryGetValue(station.Id, out IReadOnlyDictionary<string, FieldQualityRules>? own) && own.TryGetValue(field, out FieldQualityRules? rules))
        {
            return rules;
        }

        return _kinds.TryGetValue(station.Kind, out IReadOnlyDictionary<string, FieldQualityRules>? kind) && kind.TryGetValue(field, out FieldQualityRules? byKind)
            ? byKind
            : FieldQualityRules.None;
    }
}
