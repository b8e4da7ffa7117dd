namespace GardenCity.Monitoring.Core.Stations;

/// <summary>One problem in a registry file, located by line and column (1-based) and field.</summary>
public sealed record RegistryError(string File, int Line, int Column, string Field, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}:{Column}: field '{Field}': {Message}";
}

/// <summary>Thrown when a registry file cannot be used; lists every problem found.</summary>
public sealed class RegistryException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public RegistryException(IReadOnlyList<RegistryError> errors)
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
    public IReadOnlyList<RegistryError> Errors { get; }

    private static string Format(IReadOnlyList<RegistryError> errors) =>
        $"The station registry is invalid ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}):"
        + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
}
