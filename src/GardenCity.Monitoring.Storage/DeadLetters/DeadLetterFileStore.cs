using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.DeadLetters;

/// <summary>
/// Appends dead letters as JSON Lines, one file per UTC day, and flushes to the disk before returning,
/// so a dead-lettered message can be acknowledged to the broker. Thread-safe.
/// </summary>
internal sealed class DeadLetterFileStore(IOptions<DeadLetterOptions> options, TimeProvider time) : IDeadLetterStore
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public async Task AppendAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        foreach (DeadLetter entry in entries)
        {
            text.Append(JsonSerializer.Serialize(entry)).Append('\n');
        }

        string directory = options.Value.Directory;
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, $"dead-letter-{time.GetUtcNow():yyyyMMdd}.jsonl");
        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            _lock.Release();
        }
    }
}
