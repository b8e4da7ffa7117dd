namespace GardenCity.Monitoring.Storage.Spool;

/// <summary>One spooled batch: InfluxDB line protocol and the number of readings in it.</summary>
public sealed record SpoolRecord(long Id, string LineProtocol, int Readings)
{
    /// <summary>The batch's points, one per line, each with the station and kind it belongs to.</summary>
    public IReadOnlyList<SpoolLine> Lines => SpoolLine.Split(LineProtocol);
}
