namespace GardenCity.Monitoring.Core.Quality;

/// <summary>
/// What the quality checks found in one telemetry reading, per field. A reading-wide finding (clock drift, a sequence
/// gap) is set on every field. Immutable.
/// </summary>
public sealed record ReadingQuality
{
    /// <summary>A reading in which no check found anything.</summary>
    public static ReadingQuality Good { get; } = new(new Dictionary<string, QualityChecks>(StringComparer.Ordinal));

    /// <summary>Creates a quality from checks per field (fields with no check may be left out).</summary>
    public ReadingQuality(IReadOnlyDictionary<string, QualityChecks> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Fields = fields.Where(f => f.Value != QualityChecks.None).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
    }

    /// <summary>Checks per field; a field not listed passed every check.</summary>
    public IReadOnlyDictionary<string, QualityChecks> Fields { get; }

    /// <summary>The worst flag of any field.</summary>
    public QualityFlag Flag => Fields.Values.Select(QualityFlags.Of).DefaultIfEmpty(QualityFlag.Good).Max();

    /// <summary>The checks of one field.</summary>
    public QualityChecks Of(string field) => Fields.GetValueOrDefault(field);

    /// <summary>The flag of one field.</summary>
    public QualityFlag FlagOf(string field) => QualityFlags.Of(Of(field));

    /// <summary>The stored text (<see cref="QualityFlags.Format"/>).</summary>
    public override string ToString() => QualityFlags.Format(Fields);

    /// <inheritdoc/>
    public bool Equals(ReadingQuality? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());
}
