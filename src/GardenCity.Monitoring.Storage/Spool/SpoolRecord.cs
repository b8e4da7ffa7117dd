namespace GardenCity.Monitoring.Storage.Spool;

/// <summary>One spooled batch: InfluxDB line protocol (UTF-8, as written) and the number of readings in it.</summary>
public sealed record SpoolRecord(long Id, ReadOnlyMemory<byte> Payload, int Readings)
{
    /// <summary>A record of line protocol text.</summary>
    public SpoolRecord(long id, string lineProtocol, int readings)
        : this(id, System.Text.Encoding.UTF8.GetBytes(lineProtocol ?? throw new ArgumentNullException(nameof(lineProtocol))), readings)
    {
    }

    /// <summary>The batch's line protocol as text (decoded on each call: the replay writes <see cref="Payload"/> as it is).</summary>
    public string LineProtocol => System.Text.Encoding.UTF8.GetString(Payload.Span);

    /// <summary>The batch's points, one per line, each with the station and kind it belongs to.</summary>
    public IReadOnlyList<SpoolLine> Lines => SpoolLine.Split(LineProtocol);
}
