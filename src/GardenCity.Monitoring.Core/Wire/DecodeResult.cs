using GardenCity.Monitoring.Core.Readings;

namespace GardenCity.Monitoring.Core.Wire;

/// <summary>What one MQTT message yielded: the accepted readings, in message order, and the rejections.</summary>
public sealed record DecodeResult(IReadOnlyList<Reading> Readings, IReadOnlyList<Rejection> Rejections);
