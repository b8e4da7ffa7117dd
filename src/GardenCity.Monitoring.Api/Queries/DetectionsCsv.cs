using System.Globalization;
using System.Text;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>The detections CSV export, written row by row as the detections stream in from InfluxDB.</summary>
internal static class DetectionsCsv
{
    public const string Header = "time_utc,time_local,station,site,zone,latitude,longitude,species,count,confidence,event_id\n";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Writes the CSV to <paramref name="output"/>. The first piece of the result is awaited before anything is written,
    /// so an unreachable InfluxDB still gets a problem response rather than a cut-off file.
    /// </summary>
    public static async Task WriteAsync(Stream output, ApiQueries queries, StationRegistry registry, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        IAsyncEnumerator<List<SpeciesDetection>> groups = queries.StreamDetectionsAsync(from, to, ct).GetAsyncEnumerator(ct);
        await using (groups.ConfigureAwait(false))
        {
            bool more = await groups.MoveNextAsync().ConfigureAwait(false);
            var writer = new StreamWriter(output, Utf8, bufferSize: 64 * 1024, leaveOpen: true);
            await using (writer.ConfigureAwait(false))
            {
                await writer.WriteAsync(Header).ConfigureAwait(false);
                for (; more; more = await groups.MoveNextAsync().ConfigureAwait(false))
                {
                    foreach (SpeciesDetection d in groups.Current)
                    {
                        await writer.WriteAsync(Row(d, registry)).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private static string Row(SpeciesDetection d, StationRegistry registry)
    {
        Station s = registry.TryGet(d.Station, out Station? found) ? found : throw new InvalidOperationException("unknown station in store: " + d.Station);
        return string.Create(CultureInfo.InvariantCulture, $"{d.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{d.Time.ToOffset(Params.Local):yyyy-MM-ddTHH:mm:sszzz},{d.Station},{s.Site.Id},{s.Zone},{s.Lat},{s.Lon},{CamtrapDp.Cell(d.Species)},{d.Count},{d.Confidence},{CamtrapDp.Cell(d.EventId)}\n");
    }
}
