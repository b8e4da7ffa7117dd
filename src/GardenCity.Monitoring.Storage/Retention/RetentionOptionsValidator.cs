using System.Text.RegularExpressions;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Retention;

/// <summary>Checks <see cref="RetentionOptions"/> against itself and against <see cref="InfluxOptions"/>; every message names its key.</summary>
internal sealed partial class RetentionOptionsValidator(IOptions<InfluxOptions> influx) : IValidateOptions<RetentionOptions>
{
    private const string S = RetentionOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        var failures = new List<string>();
        InfluxOptions db = influx.Value;
        if (!WholeHours(options.RawDuration) || options.RawDuration < TimeSpan.FromDays(2) || options.RawDuration > TimeSpan.FromDays(36500))
        {
            failures.Add($"{S}:RawDuration must be whole hours between 2.00:00:00 and 36500.00:00:00 (100 years), got '{options.RawDuration}' (e.g. 90.00:00:00 for 90 days).");
        }

        if (!WholeHours(options.DownsampleLookBack) || options.DownsampleLookBack < TimeSpan.FromHours(2))
        {
            failures.Add($"{S}:DownsampleLookBack must be whole hours, at least 02:00:00, got '{options.DownsampleLookBack}'.");
        }
        else if (options.DownsampleLookBack > options.RawDuration - TimeSpan.FromDays(1))
        {
            failures.Add($"{S}:DownsampleLookBack ({options.DownsampleLookBack}) must be at least a day shorter than {S}:RawDuration ({options.RawDuration}): older raw readings may already be gone.");
        }

        if (options.DownsampleInterval < TimeSpan.FromMinutes(1) || options.DownsampleInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{S}:DownsampleInterval must be between 00:01:00 and 01:00:00, got '{options.DownsampleInterval}'.");
        }

        foreach ((string key, string? value) in new[] { ("ForeverPolicy", options.ForeverPolicy), ("ForeverDatabase", options.ForeverDatabase) })
        {
            if (value is null || !NamePattern().IsMatch(value))
            {
                failures.Add($"{S}:{key} '{value}' may hold only letters, digits, '_', '.' and '-' (at most 64), or be empty.");
            }
        }

        if (db.Version == InfluxApiVersion.V2 && !options.SamePlace(db))
        {
            failures.Add($"{S}:ForeverPolicy and {S}:ForeverDatabase must be empty with {InfluxOptions.SectionName}:Version V2 (that writer has one bucket, whose retention must then be infinite); or move to Version V1 with a token (docs/retention.md).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool WholeHours(TimeSpan span) => span > TimeSpan.Zero && span.Ticks % TimeSpan.TicksPerHour == 0;

    [GeneratedRegex("^[A-Za-z0-9_.-]{0,64}$")]
    private static partial Regex NamePattern();
}
