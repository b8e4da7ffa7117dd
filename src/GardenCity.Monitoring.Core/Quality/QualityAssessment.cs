using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Quality;

/// <summary>A reading checked earlier whose flags a later sample changed (a jump that came back is a spike).</summary>
/// <param name="Station">The station.</param>
/// <param name="Timestamp">The earlier reading's measurement time (its point identity with the station's tags).</param>
/// <param name="Quality">The earlier reading's whole new quality.</param>
public sealed record QualityRevision(Station Station, DateTimeOffset Timestamp, ReadingQuality Quality);

/// <summary>What <see cref="QualityChecker.Assess"/> found.</summary>
/// <param name="Quality">The reading's quality.</param>
/// <param name="Revisions">Earlier readings re-flagged because of this one.</param>
/// <param name="ClockDrift">Set when this reading started (non-zero offset: station time minus receipt time) or ended (zero) a clock-drift episode.</param>
public sealed record QualityAssessment(ReadingQuality Quality, IReadOnlyList<QualityRevision> Revisions, TimeSpan? ClockDrift);
