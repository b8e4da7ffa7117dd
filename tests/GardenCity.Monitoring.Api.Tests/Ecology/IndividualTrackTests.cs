using GardenCity.Monitoring.Api.Ecology;
using GardenCity.Monitoring.Api.Queries;

namespace GardenCity.Monitoring.Api.Tests.Ecology;

/// <summary>Individuals' tracks (docs/ecology.md, "Individuals and movement"), computed by hand.</summary>
public sealed class IndividualTrackTests
{
    private const string Leopard = "Panthera pardus japonensis";
    private static readonly DateTimeOffset T0 = new(2025, 6, 5, 12, 0, 0, TimeSpan.FromHours(8));

    private static VerifiedDetection Seen(double hours, string station, string? individual, string decision = DetectionReview.Confirmed, string species = Leopard)
    {
        DateTimeOffset time = T0.AddHours(hours);
        var detection = new SpeciesDetection(time, station, species, 1, 0.9, $"{station}-{hours}");
        DetectionReview? review = decision == "none" ? null : new DetectionReview(time, station, species, decision, species, 1, individual, "eco Wang", T0.AddDays(3), string.Empty);
        VerificationStatus status = decision switch
        {
            DetectionReview.Rejected => VerificationStatus.Rejected,
            DetectionReview.Corrected => VerificationStatus.Corrected,
            "none" => VerificationStatus.Unverified,
            _ => VerificationStatus.Confirmed,
        };
        return new VerifiedDetection(detection, species, status, review);
    }

    [Fact]
    public void ShortestMove_IsTheClosestPairAtDifferentCameras_NotTheClosestPairOverall()
    {
        // ct-01 at 0 h and 1 h (same camera: not a move), ct-02 at 5 h (4 h after the latest ct-01), back at ct-01 at 7 h
        // (2 h: the shortest), ct-03 at 20 h (13 h).
        IndividualTrack track = IndividualTrack.From([Seen(20, "ct-03", "L1"), Seen(0, "ct-01", "L1"), Seen(5, "ct-02", "L1"), Seen(1, "ct-01", "L1"), Seen(7, "ct-01", "L1")]).Single();

        Assert.Equal(["ct-01", "ct-01", "ct-02", "ct-01", "ct-03"], track.Sightings.Select(s => s.Station));
        Assert.Equal((T0, T0.AddHours(20)), (track.FirstSeen, track.LastSeen));
        Assert.Equal(("ct-02", "ct-01", TimeSpan.FromHours(2)), (track.ShortestMove!.Value.From.Station, track.ShortestMove.Value.To.Station, track.ShortestMove.Value.To.Time - track.ShortestMove.Value.From.Time));
    }

    [Fact]
    public void From_OnlyDetectionsThatCountAndNameAnIndividual_OrderedByFirstSighting()
    {
        IReadOnlyList<IndividualTrack> tracks = IndividualTrack.From(
        [
            Seen(3, "ct-01", "L2"),
            Seen(4, "ct-02", "L2", DetectionReview.Rejected), // rejected: never counts, even named
            Seen(1, "ct-05", "L1"),
            Seen(2, "ct-06", null), // confirmed, no individual
            Seen(5, "ct-07", null, "none"), // unverified
        ]);

        Assert.Equal(["L1", "L2"], tracks.Select(t => t.Id));
        Assert.All(tracks, t => Assert.Single(t.Sightings));
        Assert.All(tracks, t => Assert.Null(t.ShortestMove)); // one camera each
        Assert.Equal("eco Wang", tracks[1].Sightings[0].ReviewedBy);
    }
}
