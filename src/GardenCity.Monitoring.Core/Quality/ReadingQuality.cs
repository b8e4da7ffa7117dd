namespace GardenCity.Monitoring.Core.Quality;

/// <summary>
/// What the quality checks found in one telemetry reading, per field. A reading-wide finding (clock drift, a sequence
/// gap) is set on every field. Immutable.
/// </summary>
public sealed record ReadingQuality
{
    /// <summary>A reading in which no check found anything (one shared instance).</summary>
    public static ReadingQuality Good { get; } = new(new Dictionary<string, QualityChecks>(StringComparer.Ordinal), QualityFlag.Good);

    private string? _text;

    /// <summary>Creates a quality from checks per field (fields with no check may be left out).</summary>
    public ReadingQuality(IReadOnlyDictionary<string, QualityChecks> fields)
        : this(Checked(fields), flag: null)
    {
    }

    /// <summary>Takes <paramref name="found"/> as it is (the checker's own dictionary, only fields with a check set).</summary>
    private ReadingQuality(Dictionary<string, QualityChecks> found, QualityFlag? flag)
    {
        Fields = found;
        Flag = flag ?? Worst(found);
    }

    /// <summary>Checks per field; a field not listed passed every check.</summary>
    public IReadOnlyDictionary<string, QualityChecks> Fields { get; }

    /// <summary>The worst flag of any field (worked out once).</summary>
    public QualityFlag Flag { get; }

    /// <summary>The checks of one field.</summary>
    public QualityChecks Of(string field) => Fields.GetValueOrDefault(field);

    /// <summary>The flag of one field.</summary>
    public QualityFlag FlagOf(string field) => QualityFlags.Of(Of(field));

    /// <summary>The stored text (<see cref="QualityFlags.Format"/>), written once.</summary>
    public override string ToString() => _text ??= QualityFlags.Format(Fields);

    /// <inheritdoc/>
    public bool Equals(ReadingQuality? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    /// <summary>
    /// The quality of the fields in <paramref name="found"/>, which the caller hands over (only fields with a check set,
    /// ordinal keys, never changed afterwards): no copy. <see cref="Good"/> when it is empty.
    /// </summary>
    internal static ReadingQuality Found(Dictionary<string, QualityChecks>? found) =>
        found is null || found.Count == 0 ? Good : new ReadingQuality(found, flag: null);

    private static Dictionary<string, QualityChecks> Checked(IReadOnlyDictionary<string, QualityChecks> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var found = new Dictionary<string, QualityChecks>(StringComparer.Ordinal);
        foreach ((string field, QualityChecks checks) in fields)
        {
            if (checks != QualityChecks.None)
            {
                found[field] = checks;
            }
        }

        return found;
    }

    private static QualityFlag Worst(Dictionary<string, QualityChecks> found)
    {
        QualityFlag worst = QualityFlag.Good;
        foreach (QualityChecks checks in found.Values)
        {
            QualityFlag flag = QualityFlags.Of(checks);
            if (flag > worst)
            {
                worst = flag;
            }
        }

        return worst;
    }
}
