using System.Globalization;
using System.Text;
using GardenCity.Monitoring.Api.Ecology;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// The detections CSV export, written row by row as the detections stream in from InfluxDB: the detections that count
/// (docs/ecology.md: unverified detections of sensitive species and rejected ones are left out; corrected ones carry
/// the reviewer's species and count), with the location the caller may see.
/// </summary>
internal static class DetectionsCsv
{
    public const string Header = "time_utc,time_local,station,site,zone,latitude,longitude,species,count,confidence,event_id,coordinate_uncertainty_m,classification,classified_by,classified_at\n";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Writes the CSV to <paramref name="output"/>. The first piece of the result is awaited before anything is written,
    /// so an unreachable InfluxDB still gets a problem response rather than a cut-off file.
    /// </summary>
    public static async Task WriteAsync(Stream output, ApiQueries queries, StationRegistry registry, Func<Station, ShownLocation> location, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        IAsyncEnumerator<List<VerifiedDetection>> groups = queries.StreamVerifiedAsync(from, to, ct).GetAsyncEnumerator(ct);
        await using (groups.ConfigureAwait(false))
        {
            bool more = await groups.MoveNextAsync().ConfigureAwait(false);
            var writer = new StreamWriter(output, Utf8, bufferSize: 64 * 1024, leaveOpen: true);
            await using (writer.ConfigureAwait(false))
            {
                await writer.WriteAsync(Header).ConfigureAwait(false);
                for (; more; more = await groups.MoveNextAsync().ConfigureAwait(false))
                {
                    foreach (VerifiedDetection v in groups.Current.Where(v => v.Counts))
                    {
                        await writer.WriteAsync(Row(v, registry, location)).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private static string Row(VerifiedDetection v, StationRegistry registry, Func<Station, ShownLocation> location)
    {
        SpeciesDetection d = v.Detection;
        Station s = registry.TryGet(d.Station, out Station? found) ? found : throw new InvalidOperationException("unknown station in store: " + d.Station);
        ShownLocation at = location(s);
        (string method, string by, string when) = v.Review is { } r ? ("human", CamtrapDp.Cell(r.By), r.At.ToOffset(Params.Local).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)) : ("machine", string.Empty, string.Empty);
        return string.Create(CultureInfo.InvariantCulture, $"{d.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{d.Time.ToOffset(Params.Local):yyyy-MM-ddTHH:mm:sszzz},{d.Station},{s.Site.Id},{s.Zone},{at.Lat},{at.Lon},{CamtrapDp.Cell(d.Species)},{d.Count},{d.Confidence},{CamtrapDp.Cell(d.EventId)},{at.UncertaintyM},{method},{by},{when}\n");
    }
}
