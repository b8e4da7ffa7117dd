using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.ServiceDefaults;

/// <summary>The console log format (docs/observability.md). Levels stay in the standard <c>Logging:LogLevel</c> section.</summary>
public sealed class LoggingOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Logging";

    /// <summary>Human-readable lines (the simple console formatter).</summary>
    public const string Text = "text";

    /// <summary>One JSON object per line (the JSON console formatter), UTC timestamps, scopes included.</summary>
    public const string Json = "json";

    /// <summary><c>text</c> or <c>json</c>.</summary>
    /// <value>The default value is <c>text</c>.</value>
    public string Format { get; set; } = Text;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Format is not (Text or Json))
        {
            yield return new ValidationResult($"{SectionName}:Format '{Format}' is not '{Text}' or '{Json}'.", [nameof(Format)]);
        }
    }
}
