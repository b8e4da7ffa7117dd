using GardenCity.Monitoring.Api.Queries;

namespace GardenCity.Monitoring.Api.Ecology;

/// <summary>Where a detection stands (docs/ecology.md).</summary>
public enum VerificationStatus
{
    /// <summary>Not a sensitive species and not reviewed: the machine's classification counts.</summary>
    Machine,

    /// <summary>A sensitive species not yet reviewed: held, counts nowhere published.</summary>
    Unverified,

    /// <summary>A reviewer confirmed it.</summary>
    Confirmed,

    /// <summary>A reviewer corrected the species or the count.</summary>
    Corrected,

    /// <summary>A reviewer rejected it: never counts.</summary>
    Rejected,
}

/// <summary>A detection as it counts: species and count after review, with its status and who reviewed it.</summary>
/// <param name="Detection">The detection with the species and count that count (the machine's when not reviewed).</param>
/// <param name="MachineSpecies">The species the classifier gave.</param>
/// <param name="Status">Machine, unverified, confirmed, corrected or rejected.</param>
/// <param name="Review">The review, if any.</param>
public sealed record VerifiedDetection(SpeciesDetection Detection, string MachineSpecies, VerificationStatus Status, DetectionReview? Review)
{
    /// <summary>Whether it counts in published series, RAI, activity and exports.</summary>
    public bool Counts => Status is VerificationStatus.Machine or VerificationStatus.Confirmed or VerificationStatus.Corrected;

    /// <summary>The status' wire name (<c>machine</c>, <c>unverified</c>, …).</summary>
    public string StatusName => Status.ToString().ToLowerInvariant();
}

/// <summary>The reviews of a period applied to detections. Pure once loaded.</summary>
public sealed class Verification(SensitiveSpecies sensitive, IEnumerable<DetectionReview> reviews)
{
    private readonly Dictionary<(DateTimeOffset, string, string), DetectionReview> _reviews =
        reviews.GroupBy(r => (r.Time, r.Station, r.MachineSpecies)).ToDictionary(g => g.Key, g => g.MaxBy(r => r.At)!);

    /// <summary>The sensitive species.</summary>
    public SensitiveSpecies Sensitive => sensitive;

    /// <summary>The reviews, one per detection (the latest).</summary>
    public IEnumerable<DetectionReview> Reviews => _reviews.Values;

    /// <summary>The review of a detection, if any.</summary>
    public DetectionReview? ReviewOf(DateTimeOffset time, string station, string machineSpecies) => _reviews.GetValueOrDefault((time, station, machineSpecies));

    /// <summary>A stored detection as it counts.</summary>
    public VerifiedDetection Apply(SpeciesDetection d)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (_reviews.TryGetValue((d.Time, d.Station, d.Species), out DetectionReview? r))
        {
            return r.Decision switch
            {
                DetectionReview.Rejected => new VerifiedDetection(d, d.Species, VerificationStatus.Rejected, r),
                DetectionReview.Corrected => new VerifiedDetection(d with { Species = r.Species, Count = r.Count }, d.Species, VerificationStatus.Corrected, r),
                _ => new VerifiedDetection(d with { Count = r.Count }, d.Species, VerificationStatus.Confirmed, r),
            };
        }

        return new VerifiedDetection(d, d.Species, sensitive.Matches(d.Species) ? VerificationStatus.Unverified : VerificationStatus.Machine, null);
    }
}
