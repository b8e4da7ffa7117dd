using GardenCity.Monitoring.Core.Yaml;

namespace GardenCity.Monitoring.Core.Quality;

/// <summary>A quality policy file with problems; the message lists each with file, line, column and field.</summary>
public sealed class QualityPolicyException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public QualityPolicyException(IReadOnlyList<ConfigFileError> errors)
        : base(string.Join(Environment.NewLine, new[] { $"The quality policy has {errors?.Count} problem(s); fix them and start again (docs/data-quality.md):" }.Concat(errors?.Select(e => "  " + e) ?? [])))
    {
        Errors = errors ?? [];
    }

    /// <summary>Creates an exception with a message only.</summary>
    public QualityPolicyException(string message)
        : base(message)
    {
        Errors = [];
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public QualityPolicyException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Creates an exception with no detail.</summary>
    public QualityPolicyException()
    {
        Errors = [];
    }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<ConfigFileError> Errors { get; }
}
