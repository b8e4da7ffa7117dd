using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// Turns failed options validation into what a person can act on: one <c>Configuration error:</c> line per problem,
/// naming the configuration key (<c>GardenCity:Mqtt:BatchSize</c>, not <c>MqttIngestionOptions.BatchSize</c>), never
/// a stack trace.
/// </summary>
internal static partial class ConfigurationErrors
{
    private const string Prefix = "Configuration error: ";

    /// <summary>
    /// Validates every option registered with <c>ValidateOnStart</c>, all of them before anything starts (so every bad
    /// setting is reported at once, and none surfaces later from inside a service's construction).
    /// </summary>
    /// <returns><see langword="true"/> when all are valid; otherwise the problems were written to <paramref name="error"/>.</returns>
    public static bool Validate(IServiceProvider services, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return true;
        }
        catch (OptionsValidationException ex)
        {
            Write([ex], error);
            return false;
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            Write(ex.InnerExceptions.Cast<OptionsValidationException>(), error);
            return false;
        }
    }

    /// <summary>Writes the failures, one line each (a registry or rule file problem keeps its own list below its line).</summary>
    public static void Write(IEnumerable<OptionsValidationException> failures, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentNullException.ThrowIfNull(error);
        foreach (string line in failures.SelectMany(Describe).Distinct(StringComparer.Ordinal))
        {
            error.WriteLine(Prefix + line);
        }
    }

    /// <summary>The failures of one options type, with its members named by their configuration keys.</summary>
    internal static IEnumerable<string> Describe(OptionsValidationException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        string? section = failure.OptionsType.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
        return failure.Failures.Select(f => section is null ? f : NameKeys(f, failure.OptionsType.Name, section));
    }

    /// <summary>
    /// Rewrites the source generator's member names (<c>ApiOptions.Keys[0].Name</c>) as configuration keys
    /// (<c>GardenCity:Api:Keys:0:Name</c>) and drops the member list before the message.
    /// </summary>
    internal static string NameKeys(string failure, string typeName, string section)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Match wrapped = MemberPrefix().Match(failure);
        string text = wrapped.Success && NamesKey(wrapped.Groups["error"].Value) ? wrapped.Groups["error"].Value : failure;
        return Regex.Replace(text, @"\b" + Regex.Escape(typeName) + @"\.(?<path>\w+(?:\[\d+\])?(?:\.\w+(?:\[\d+\])?)*)", m =>
            section + ":" + m.Groups["path"].Value.Replace("].", ":", StringComparison.Ordinal).Replace("[", ":", StringComparison.Ordinal)
                .Replace("]", string.Empty, StringComparison.Ordinal).Replace('.', ':'), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

        bool NamesKey(string message) =>
            message.Contains(typeName + ".", StringComparison.Ordinal) || message.Contains(section + ":", StringComparison.Ordinal);
    }

    /// <summary>The member list the options builder puts before each message (<c>BatchSize: The field …</c>); the message names the key itself.</summary>
    [GeneratedRegex(@"^[\w\[\]\.]+(?:, [\w\[\]\.]+)*: (?<error>.*)$", RegexOptions.Singleline)]
    private static partial Regex MemberPrefix();
}
