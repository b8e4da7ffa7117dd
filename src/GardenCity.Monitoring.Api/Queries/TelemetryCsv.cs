using System.Globalization;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// The telemetry CSV export of one station: every reading, raw, with its quality flag and checks
/// (docs/data-quality.md), written row by row as the rows stream in from InfluxDB.
/// </summary>
public static class TelemetryCsv
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The header of a station's export: times, station, its kind's fields in ordinal order, seq, quality, quality_checks.</summary>
    public static string Header(Station station)
    {
        ArgumentNullException.ThrowIfNull(station);
        return "time_utc,time_local,station," + string.Join(",", FieldSpecs.TelemetryFor(station.Kind).Keys.Order(StringComparer.Ordinal)) + ",seq,quality,quality_checks\n";
    }

    /// <summary>
    /// Writes the CSV to <paramref name="output"/>. The first piece is awaited before anything is written, so an
    /// unreachable InfluxDB still gets a problem response rather than a cut-off file. A reading stored before the
    /// checks existed has empty quality cells (unchecked).
    /// </summary>
    public static async Task WriteAsync(Stream output, ApiQueries queries, Station station, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(station);
        string[] fields = [.. FieldSpecs.TelemetryFor(station.Kind).Keys.Order(StringComparer.Ordinal), "seq", "quality", "quality_checks"];
        IAsyncEnumerator<(List<string> Columns, IReadOnlyList<JsonElement[]> Rows)> pieces = queries.StreamTelemetryAsync(station, from, to, ct).GetAsyncEnumerator(ct);
        await using (pieces.ConfigureAwait(false))
        {
            bool more = await pieces.MoveNextAsync().ConfigureAwait(false);
            var writer = new StreamWriter(output, Utf8, bufferSize: 64 * 1024, leaveOpen: true);
            await using (writer.ConfigureAwait(false))
            {
                await writer.WriteAsync(Header(station)).ConfigureAwait(false);
                for (; more; more = await pieces.MoveNextAsync().ConfigureAwait(false))
                {
                    (List<string> columns, IReadOnlyList<JsonElement[]> rows) = pieces.Current;
                    int time = columns.IndexOf("time");
                    int[] at = fields.Select(f => columns.IndexOf(f)).ToArray();
                    foreach (JsonElement[] row in rows)
                    {
                        DateTimeOffset t = Storage.Influx.InfluxSeriesValues.FromEpochNs(row[time].GetInt64());
                        var line = new StringBuilder();
                        line.Append(CultureInfo.InvariantCulture, $"{t.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{t.ToOffset(Params.Local):yyyy-MM-ddTHH:mm:sszzz},{station.Id}");
                        foreach (int i in at)
                        {
                            line.Append(',').Append(i < 0 ? string.Empty : Cell(row[i]));
                        }

                        await writer.WriteAsync(line.Append('\n').ToString()).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonValueKind.String => CamtrapDp.Cell(value.GetString() ?? string.Empty),
        _ => string.Empty,
    };
}
