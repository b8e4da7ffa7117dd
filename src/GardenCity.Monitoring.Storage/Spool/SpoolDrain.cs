using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Storage.Spool;

/// <summary>
/// The one step every spool reader takes (the readings' replay, the alert history writer): write the oldest record;
/// if InfluxDB refuses it as bad data, write it again line by line and dead-letter the lines it refuses; then remove
/// it. When InfluxDB is unavailable the exception propagates and the record stays for the next try.
/// </summary>
public static class SpoolDrain
{
    /// <summary>Writes and removes the oldest record; returns it, or null when the spool is empty.</summary>
    /// <param name="spool">The spool.</param>
    /// <param name="write">Writes line protocol (UTF-8) to InfluxDB (through the <c>influx-write</c> pipeline).</param>
    /// <param name="deadLetters">Where refused lines go.</param>
    /// <param name="refused">The dead letter of one refused line.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    public static async Task<SpoolRecord?> WriteOldestAsync(
        this FileSpool spool,
        Func<ReadOnlyMemory<byte>, CancellationToken, Task> write,
        IDeadLetterStore deadLetters,
        Func<SpoolLine, InfluxWriteException, DeadLetter> refused,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spool);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(deadLetters);
        ArgumentNullException.ThrowIfNull(refused);
        if (spool.PeekOldest() is not { } record)
        {
            return null;
        }

        try
        {
            await write(record.Payload, cancellationToken).ConfigureAwait(false); // the bytes as spooled, not decoded
        }
        catch (InfluxWriteException ex) when (InfluxWritePolicy.IsBadData(ex))
        {
            var letters = new List<DeadLetter>();
            foreach (SpoolLine line in record.Lines)
            {
                try
                {
                    await write(System.Text.Encoding.UTF8.GetBytes(line.LineProtocol), cancellationToken).ConfigureAwait(false);
                }
                catch (InfluxWriteException lineError) when (InfluxWritePolicy.IsBadData(lineError))
                {
                    letters.Add(refused(line, lineError));
                }
            }

            await deadLetters.AppendAsync(letters, cancellationToken).ConfigureAwait(false);
        }

        spool.Remove(record);
        return record;
    }
}
