using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>Validates <see cref="InfluxOptions"/>: data annotations (source-generated) plus the rules that depend on the version.</summary>
[OptionsValidator]
internal sealed partial class InfluxOptionsAnnotationsValidator : IValidateOptions<InfluxOptions>
{
}

/// <summary>Checks the settings each API version needs.</summary>
internal sealed class InfluxOptionsValidator : IValidateOptions<InfluxOptions>
{
    private readonly InfluxOptionsAnnotationsValidator _annotations = new();

    public ValidateOptionsResult Validate(string? name, InfluxOptions options)
    {
        var failures = new List<string>();
        ValidateOptionsResult annotations = _annotations.Validate(name, options);
        if (annotations.Failed)
        {
            failures.AddRange(annotations.Failures);
        }

        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            failures.Add($"{InfluxOptions.SectionName}:Url must be an absolute http or https URL, got '{options.Url}'.");
        }

        if (options.Version == InfluxApiVersion.V2)
        {
            foreach ((string key, string value) in new[] { ("Token", options.Token), ("Org", options.Org), ("Bucket", options.Bucket) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    failures.Add($"{InfluxOptions.SectionName}:{key} is required when {InfluxOptions.SectionName}:Version is V2.");
                }
            }
        }

        if (string.IsNullOrEmpty(options.Username) != string.IsNullOrEmpty(options.Password))
        {
            failures.Add($"{InfluxOptions.SectionName}:Username and Password are set together or not at all.");
        }

        if (options.Token.Length > 0 && options.Username.Length > 0)
        {
            failures.Add($"{InfluxOptions.SectionName}:Token and {InfluxOptions.SectionName}:Username are alternatives: set Token for InfluxDB 2.x or 3 Core, Username and Password for InfluxDB 1.x, not both.");
        }

        if (options.SpoolAfter < options.WriteTimeout)
        {
            failures.Add($"{InfluxOptions.SectionName}:SpoolAfter ({options.SpoolAfter}) must be at least {InfluxOptions.SectionName}:WriteTimeout ({options.WriteTimeout}): one attempt must fit in the budget.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
