using GardenCity.Monitoring.Core.Yaml;

namespace GardenCity.Monitoring.Core.Stations;

/// <summary>Thrown when a registry file cannot be used; lists every problem found.</summary>
public sealed class RegistryException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public RegistryException(IReadOnlyList<ConfigFileError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates an exception with a message only.</summary>
    public RegistryException(string message)
        : base(message)
    {
        Errors = [];
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public RegistryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Creates an exception with no details.</summary>
    public RegistryException()
    {
        Errors = [];
    }

    /// <summary>Every problem found, in file order.</summary>
    public IReadOnlyList<ConfigFileError> Errors { get; }

    private static string Format(IReadOnlyList<ConfigFileError> errors) =>
        $"The station registry is invalid ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}):"
        + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
}
