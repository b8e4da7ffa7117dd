namespace GardenCity.Monitoring.LoadGen;

/// <summary>A run that cannot go on (broker refused, not reachable): the message says what and where, without a stack trace.</summary>
internal sealed class LoadException : Exception
{
    public LoadException()
    {
    }

    public LoadException(string message)
        : base(message)
    {
    }

    public LoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
