using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Storage.Influx;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

namespace GardenCity.Monitoring.Api.Ecology;

/// <summary>
/// Stores a review as a <c>camera_trap_review</c> point at the detection's time, tagged with its station, site and the
/// machine's species (docs/influxdb-schema.md): its identity is the detection's, so a later review of the same
/// detection replaces the earlier one. Reviews are kept for ever (docs/retention.md). The request is answered only once InfluxDB has accepted the point.
/// </summary>
internal sealed class ReviewWriter(IReadingWriter writer, StationRegistry registry)
{
    public Task WriteAsync(DetectionReview review, CancellationToken ct) => writer.WriteLinesAsync(Line(review, registry), InfluxTarget.Forever, ct);

    internal static string Line(DetectionReview r, StationRegistry registry)
    {
        PointData point = PointData.Measurement(DetectionReview.Measurement)
            .Tag("station", r.Station)
            .Tag("site", registry.TryGet(r.Station, out Station? s) ? s.Site.Id : string.Empty)
            .Tag("species", r.MachineSpecies)
            .Field("decision", r.Decision)
            .Field("reviewed_species", r.Species)
            .Field("count", r.Count)
            .Field("individual_id", r.IndividualId ?? string.Empty)
            .Field("reviewed_by", r.By)
            .Field("reviewed_at", r.At.ToString("o", System.Globalization.CultureInfo.InvariantCulture))
            .Field("comment", r.Comment)
            .Timestamp(r.Time, WritePrecision.Ns);
        return point.ToLineProtocol();
    }
}
