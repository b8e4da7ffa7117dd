namespace GardenCity.Monitoring.Storage.DeadLetters;

/// <summary>Durable store of rejected messages and samples.</summary>
public interface IDeadLetterStore
{
    /// <summary>Appends the entries and returns once they are on disk.</summary>
    Task AppendAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken);
}
