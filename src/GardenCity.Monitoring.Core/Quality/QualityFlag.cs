namespace GardenCity.Monitoring.Core.Quality;

/// <summary>
/// How far a value can be trusted, in the spirit of Delft-FEWS' reliable / doubtful / unreliable. Stored in InfluxDB as
/// its wire name (<c>good</c>, <c>doubtful</c>, <c>bad</c>) in the field <c>quality</c>.
/// </summary>
public enum QualityFlag
{
    /// <summary>No check found anything that lowers trust.</summary>
    Good = 0,

    /// <summary>Kept and shown, but rules do not raise on it unless they say so (<c>doubtful: count</c>).</summary>
    Doubtful = 1,

    /// <summary>Kept for the record, never used by a rule and drawn apart on the dashboard.</summary>
    Bad = 2,
}
