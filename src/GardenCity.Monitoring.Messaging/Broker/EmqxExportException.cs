namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>Registry entries that cannot be written for EMQX, each named with what to do.</summary>
public sealed class EmqxExportException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public EmqxExportException(IReadOnlyList<string> problems)
        : base($"{problems?.Count ?? 0} entr{(problems?.Count == 1 ? "y" : "ies")} cannot be written for EMQX:\n  " + string.Join("\n  ", problems ?? []))
    {
        Problems = problems ?? [];
    }

    /// <summary>Creates the exception with a message (serialization and analyzers).</summary>
    public EmqxExportException()
        : this(Array.Empty<string>())
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public EmqxExportException(string message)
        : base(message)
    {
        Problems = [message];
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public EmqxExportException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    /// <summary>One line per problem.</summary>
    public IReadOnlyList<string> Problems { get; }
}
