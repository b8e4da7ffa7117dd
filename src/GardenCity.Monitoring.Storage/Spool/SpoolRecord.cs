namespace GardenCity.Monitoring.Storage.Spool;

/// <summary>One spooled batch: InfluxDB line protocol and the number of readings in it.</summary>
public sealed record SpoolRecord(long Id, string LineProtocol, int Readings);
