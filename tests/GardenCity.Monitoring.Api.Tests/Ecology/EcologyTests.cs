using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.Api.Ecology;
using GardenCity.Monitoring.Api.Queries;

namespace GardenCity.Monitoring.Api.Tests.Ecology;

/// <summary>Protected locations, sensitive species, verification and roles (docs/ecology.md), pure parts.</summary>
public sealed class EcologyTests
{
    private static readonly DateTimeOffset T = new(2025, 3, 10, 2, 0, 0, TimeSpan.FromHours(8));

    [Theory]
    [InlineData(39.8412, 115.5712)]
    [InlineData(39.8366, 115.5803)]
    [InlineData(40.0352, 115.4831)]
    public void Grid_GivesTheCellCentre_WithinHalfTheDiagonal_AndTheSameForEveryPointOfTheCell(double lat, double lon)
    {
        ShownLocation shown = LocationProtection.Grid(lat, lon, 10);

        double moved = LocationProtection.DistanceM(lat, lon, shown.Lat, shown.Lon);
        Assert.InRange(moved, 0, shown.UncertaintyM);
        Assert.Equal(7072 + 30, shown.UncertaintyM); // ceil(10 km × √2 / 2) + the position's own 30 m
        Assert.False(shown.Exact);
        double cellLat = 10 / 111.32;
        double inCell = (Math.Floor(lat / cellLat) + 0.01) * cellLat; // another point of the same row of cells
        Assert.Equal(shown.Lat, LocationProtection.Grid(inCell, lon, 10).Lat);
    }

    [Fact]
    public void Grid_TwoCamerasFarApart_FallInDifferentCells()
    {
        Assert.NotEqual(LocationProtection.Grid(39.8412, 115.5712, 10), LocationProtection.Grid(40.0352, 115.4831, 10));
    }

    [Theory]
    [InlineData("Panthera pardus japonensis", true)]
    [InlineData("Panthera pardus", true)]
    [InlineData("Panthera pardusx", false)]
    [InlineData("Panthera tigris", false)]
    [InlineData("human", false)]
    public void SensitiveSpecies_ANameCoversItsSubspecies(string species, bool sensitive)
    {
        Assert.Equal(sensitive, new SensitiveSpecies(["Panthera pardus"]).Matches(species));
    }

    [Fact]
    public void Verification_HoldsSensitive_CountsConfirmedAndCorrected_NeverRejected()
    {
        SpeciesDetection Leopard(int minutes) => new(T.AddMinutes(minutes), "bhs-ct-01", "Panthera pardus japonensis", 1, 0.9, "e" + minutes);
        DetectionReview Review(int minutes, string decision, string species = "Panthera pardus japonensis", long count = 1) =>
            new(T.AddMinutes(minutes), "bhs-ct-01", "Panthera pardus japonensis", decision, species, count, null, "eco-wang", T.AddDays(1), string.Empty);
        var v = new Verification(new SensitiveSpecies(["Panthera pardus"]),
            [Review(1, DetectionReview.Confirmed), Review(2, DetectionReview.Rejected), Review(3, DetectionReview.Corrected, "Prionailurus bengalensis", 2)]);

        VerifiedDetection unverified = v.Apply(Leopard(0)), confirmed = v.Apply(Leopard(1)), rejected = v.Apply(Leopard(2)), corrected = v.Apply(Leopard(3));
        VerifiedDetection deer = v.Apply(new SpeciesDetection(T, "bhs-ct-01", "Capreolus pygargus", 1, 0.8, "d"));

        Assert.Equal((VerificationStatus.Unverified, false), (unverified.Status, unverified.Counts));
        Assert.Equal((VerificationStatus.Confirmed, true), (confirmed.Status, confirmed.Counts));
        Assert.Equal((VerificationStatus.Rejected, false), (rejected.Status, rejected.Counts));
        Assert.Equal((VerificationStatus.Corrected, true, "Prionailurus bengalensis", 2L, "Panthera pardus japonensis"),
            (corrected.Status, corrected.Counts, corrected.Detection.Species, corrected.Detection.Count, corrected.MachineSpecies));
        Assert.Equal((VerificationStatus.Machine, true), (deer.Status, deer.Counts));
    }

    [Fact]
    public void Verification_TheLatestReviewOfADetectionWins()
    {
        DetectionReview first = new(T, "bhs-ct-01", "Panthera pardus japonensis", DetectionReview.Rejected, "Panthera pardus japonensis", 1, null, "a", T.AddHours(1), string.Empty);
        DetectionReview second = first with { Decision = DetectionReview.Confirmed, By = "b", At = T.AddHours(2) };

        VerifiedDetection d = new Verification(new SensitiveSpecies(["Panthera pardus"]), [second, first]).Apply(new SpeciesDetection(T, "bhs-ct-01", "Panthera pardus japonensis", 1, 0.9, "e"));

        Assert.Equal((VerificationStatus.Confirmed, "b"), (d.Status, d.Review!.By));
    }

    [Theory]
    [InlineData(ApiRole.Reader, ApiRole.Reader, true)]
    [InlineData(ApiRole.Reviewer, ApiRole.Reader, true)]
    [InlineData(ApiRole.Responder, ApiRole.Reader, true)]
    [InlineData(ApiRole.Reviewer, ApiRole.Responder, false)]
    [InlineData(ApiRole.Responder, ApiRole.Reviewer, false)]
    [InlineData(ApiRole.Reader, ApiRole.Reviewer, false)]
    [InlineData(ApiRole.Admin, ApiRole.Reviewer, true)]
    [InlineData(ApiRole.Admin, ApiRole.Responder, true)]
    [InlineData(ApiRole.None, ApiRole.Reader, false)]
    public void Roles_ReviewerAndResponderEachIncludeReader_NotEachOther(ApiRole have, ApiRole need, bool allowed)
    {
        Assert.Equal(allowed, ApiRoles.Includes(have, need));
    }

    [Theory]
    [InlineData(ApiRole.Reader, false)]
    [InlineData(ApiRole.Responder, false)]
    [InlineData(ApiRole.Reviewer, true)]
    [InlineData(ApiRole.Admin, true)]
    public void ExactLocations_OnlyForReviewerAndAdmin(ApiRole role, bool exact)
    {
        Assert.Equal(exact, ApiRoles.SeesExactLocations(role));
    }
}
