using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Quality;

namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>
/// <c>quality: { check: stuck, field: water_level_m }</c>: holds while the station's latest sample of the field (of any
/// field when none is named) carries the quality check (docs/data-quality.md). It reads flags, so it sees doubtful and
/// bad samples whatever the rule's <c>doubtful</c> setting. Reports the sample's value.
/// </summary>
public sealed class QualityCondition(QualityChecks check, string? field) : Condition
{
    /// <summary>The check looked for.</summary>
    public QualityChecks Check { get; } = check;

    /// <summary>The field, or null for any.</summary>
    public string? Field { get; } = field;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        IEnumerable<string> fields = Field is null ? ctx.Series.FieldNames : [Field];
        foreach (string name in fields)
        {
            if (ctx.Series.Field(name)?.Latest(ctx.At, QualityFlag.Bad) is { } latest && (latest.Checks & Check) != 0)
            {
                ctx.Report(latest.Value, null);
                return true;
            }
        }

        return false;
    }
}
