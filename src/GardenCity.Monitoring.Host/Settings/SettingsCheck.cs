using System.Globalization;
using GardenCity.Monitoring.Core.Time;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.FileProviders;

namespace GardenCity.Monitoring.Host.Settings;

/// <summary>
/// Checks every <c>GardenCity:</c> key of a configuration against <see cref="SettingsSchema"/> before any options are
/// bound: a key this build does not know is reported with the nearest known key, a value that cannot be its type
/// (a number, a switch, a choice, a duration) is reported with the forms it may take. The one place durations are
/// read: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>6h</c>, <c>1d</c> as well as <c>hh:mm:ss</c>, for every
/// <see cref="TimeSpan"/> setting (the binder reads only <c>hh:mm:ss</c>, so the short forms are rewritten for it). A
/// deprecated key (an <see cref="ObsoleteAttribute"/> options property) is accepted with a <c>Configuration warning:</c>.
/// </summary>
internal static class SettingsCheck
{
    private const string Prefix = "Configuration error: ";
    private const string WarningPrefix = "Configuration warning: ";

    /// <summary>
    /// Checks <paramref name="configuration"/>, writing one <c>Configuration error:</c> line per problem to
    /// <paramref name="error"/>, and adds a last source with the durations rewritten as <c>hh:mm:ss</c>.
    /// </summary>
    /// <returns><see langword="true"/> when every key is known and every value readable.</returns>
    public static bool Apply(IConfigurationBuilder builder, IConfiguration configuration, TextWriter error, SettingsSchema? schema = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(error);
        schema ??= SettingsSchema.Current;
        var durations = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        bool ok = true;
        foreach ((string key, string? value) in configuration.GetSection(HostingOptions.SectionName).AsEnumerable().OrderBy(k => k.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (value is null)
            {
                continue; // a section
            }

            if (!schema.IsKnown(key))
            {
                string? nearest = schema.Suggest(key);
                error.WriteLine(Prefix + $"{key} is not a setting of this build{From(configuration, key)}" + (nearest is null ? "; see the configuration table in README.md." : $"; did you mean {nearest}?"));
                ok = false;
                continue;
            }

            if (schema.Deprecation(key) is { } instead)
            {
                error.WriteLine(WarningPrefix + $"{key} is deprecated{From(configuration, key)}: {instead}");
            }

            if (schema.LeafType(key) is not { } type || value.Length == 0 || type == typeof(string))
            {
                continue;
            }

            if (type == typeof(TimeSpan))
            {
                if (TryParseDuration(value, out TimeSpan duration))
                {
                    durations[key] = duration.ToString("c", CultureInfo.InvariantCulture);
                }
                else
                {
                    error.WriteLine(Prefix + $"{key} '{value}' is not a duration: write 500ms, 30s, 5m, 6h, 1d or hh:mm:ss{From(configuration, key)}.");
                    ok = false;
                }
            }
            else if (Problem(type, value) is { } problem)
            {
                error.WriteLine(Prefix + $"{key} '{value}' {problem}{From(configuration, key)}.");
                ok = false;
            }
        }

        if (durations.Count > 0)
        {
            builder.AddInMemoryCollection(durations);
        }

        return ok;
    }

    /// <summary>
    /// A setting's duration: a number with a unit (<c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>; <c>0s</c> allowed,
    /// the option's own range applies) or <c>[d.]hh:mm:ss[.fffffff]</c>.
    /// </summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed is "0" or "0s" or "0ms")
        {
            duration = TimeSpan.Zero;
            return true;
        }

        return Durations.TryParse(trimmed, out duration) || TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out duration);
    }

    /// <summary>Why <paramref name="value"/> cannot be read as <paramref name="type"/>, or null when it can.</summary>
    private static string? Problem(Type type, string value)
    {
        if (type.IsEnum)
        {
            return Enum.TryParse(type, value, ignoreCase: true, out _) ? null : $"is not one of {string.Join(", ", Enum.GetNames(type))}";
        }

        if (type == typeof(bool))
        {
            return bool.TryParse(value, out _) ? null : "is not true or false";
        }

        if (type.IsPrimitive || type == typeof(decimal))
        {
            try
            {
                _ = Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
                return null;
            }
            catch (Exception ex) when (ex is FormatException or OverflowException or InvalidCastException)
            {
                return type is { } t && (t == typeof(double) || t == typeof(float) || t == typeof(decimal)) ? "is not a number" : "is not a whole number in range";
            }
        }

        return null;
    }

    /// <summary>Where the value came from, for the message: the last source that sets the key.</summary>
    private static string From(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return string.Empty;
        }

        foreach (IConfigurationProvider provider in root.Providers.Reverse())
        {
            if (provider.TryGet(key, out _))
            {
                return provider switch
                {
                    JsonConfigurationProvider json when json.Source.Path?.EndsWith("appsettings.json", StringComparison.Ordinal) == true && json.Source.Optional => " (set in appsettings.json)",
                    JsonConfigurationProvider json => $" (set in --config {Path.Combine((json.Source.FileProvider as PhysicalFileProvider)?.Root ?? string.Empty, json.Source.Path ?? string.Empty)})",
                    EnvironmentVariablesConfigurationProvider => $" (set by the environment variable GARDENCITY_{key.Replace(":", "__", StringComparison.Ordinal)})",
                    MemoryConfigurationProvider => " (set by --set)",
                    _ => string.Empty,
                };
            }
        }

        return string.Empty;
    }
}
