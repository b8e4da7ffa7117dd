using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// A Camtrap DP 1.0 data package (TDWG; docs/domain-reference §3.1) of a period: <c>datapackage.json</c> and the
/// three CSV resources <c>deployments</c>, <c>media</c>, <c>observations</c>, with the columns of the 1.0 table schemas
/// in their order. One deployment per camera trap and period (start and end: the first and last sign it was working),
/// one media row per trigger, one media-level observation per detected species (blank triggers: one <c>blank</c>
/// observation). Media with people are not public (privacy). Times in UTC+8 with their offset.
/// </summary>
public static class CamtrapDp
{
    /// <summary>Version of the Camtrap DP standard written.</summary>
    public const string Version = "1.0.2";

    private static readonly string SchemaBase = $"https://raw.githubusercontent.com/tdwg/camtrap-dp/{Version}/";

    /// <summary>Columns of the deployments table, in schema order.</summary>
    public static readonly string[] DeploymentColumns =
        ["deploymentID", "locationID", "locationName", "latitude", "longitude", "coordinateUncertainty", "deploymentStart", "deploymentEnd", "setupBy", "cameraID", "cameraModel",
         "cameraDelay", "cameraHeight", "cameraDepth", "cameraTilt", "cameraHeading", "detectionDistance", "timestampIssues", "baitUse", "featureType", "habitat", "deploymentGroups", "deploymentTags", "deploymentComments"];

    /// <summary>Columns of the media table, in schema order.</summary>
    public static readonly string[] MediaColumns =
        ["mediaID", "deploymentID", "captureMethod", "timestamp", "filePath", "filePublic", "fileName", "fileMediatype", "exifData", "favorite", "mediaComments"];

    /// <summary>Columns of the observations table, in schema order.</summary>
    public static readonly string[] ObservationColumns =
        ["observationID", "deploymentID", "mediaID", "eventID", "eventStart", "eventEnd", "observationLevel", "observationType", "cameraSetupType", "scientificName", "count", "lifeStage", "sex",
         "behavior", "individualID", "individualPositionRadius", "individualPositionAngle", "individualSpeed", "bboxX", "bboxY", "bboxWidth", "bboxHeight", "classificationMethod", "classifiedBy",
         "classificationTimestamp", "classificationProbability", "observationTags", "observationComments"];

    /// <summary>
    /// Writes the zip to <paramref name="output"/> entry by entry as the rows stream in from InfluxDB (nothing is held
    /// whole): the deployment spans come from aggregate queries first, then <c>deployments.csv</c>, <c>media.csv</c> and
    /// <c>observations.csv</c> (triggers and detections streamed in time order and joined per time: a detection has its
    /// trigger's time, PointMapper), and <c>datapackage.json</c> last, with the species found on the way. Nothing is
    /// written before the first query has answered, so an unreachable InfluxDB still gets a problem response.
    /// </summary>
    public static async Task WriteAsync(Stream output, ApiQueries queries, StationRegistry registry, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(registry);
        IReadOnlyDictionary<string, (DateTimeOffset First, DateTimeOffset Last)> spans = await queries.WorkingSpansAsync(from, to, ct).ConfigureAwait(false);
        string Deployment(string station) => $"{station}_{from.ToOffset(Params.Local):yyyyMMdd}";
        var stations = registry.Stations.Where(s => s.Kind == StationKind.CameraTrap && spans.ContainsKey(s.Id)).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        var deployed = stations.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);

        using var sink = new SyncWritesBuffered(output);
        ZipArchive zip = await ZipArchive.CreateAsync(sink, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct).ConfigureAwait(false);
        await using (zip.ConfigureAwait(false))
        {
            await WriteEntryAsync(zip, "deployments.csv", async w =>
            {
                await w.WriteAsync(Row(DeploymentColumns)).ConfigureAwait(false);
                foreach (Station s in stations)
                {
                    (DateTimeOffset first, DateTimeOffset last) = spans[s.Id];
                    await w.WriteAsync(Row([Deployment(s.Id), s.Id, s.NameEn, Num(s.Lat), Num(s.Lon), "30", Time(first), Time(last), "Baihua Mountain reserve", s.Id, string.Empty,
                        string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, "false", "false", string.Empty, string.Empty,
                        $"site:{s.Site.Id}" + (s.Zone is { } z ? $" | zone:{z}" : string.Empty), string.Empty, string.Empty])).ConfigureAwait(false);
                }
            }, ct).ConfigureAwait(false);

            await WriteEntryAsync(zip, "media.csv", async w =>
            {
                await w.WriteAsync(Row(MediaColumns)).ConfigureAwait(false);
                await foreach ((TriggerRecord t, List<SpeciesDetection> found) in JoinAsync(queries, from, to, deployed, null, ct).ConfigureAwait(false))
                {
                    string path = t.ImageUri.Length > 0 ? t.ImageUri : $"media/{t.EventId}.jpg";
                    bool people = found.Exists(d => d.Species == "human");
                    await w.WriteAsync(Row([t.EventId, Deployment(t.Station), "activityDetection", Time(t.Time), path, people ? "false" : "true",
                        Path.GetFileName(path), "image/jpeg", string.Empty, string.Empty, string.Empty])).ConfigureAwait(false);
                }
            }, ct).ConfigureAwait(false);

            var species = new SortedSet<string>(StringComparer.Ordinal);
            await WriteEntryAsync(zip, "observations.csv", async w =>
            {
                await w.WriteAsync(Row(ObservationColumns)).ConfigureAwait(false);
                await foreach ((TriggerRecord t, List<SpeciesDetection> found) in JoinAsync(queries, from, to, deployed, species, ct).ConfigureAwait(false))
                {
                    if (found.Count == 0)
                    {
                        await w.WriteAsync(Observation($"{t.EventId}_blank", Deployment(t.Station), t.EventId, t.Time, "blank", string.Empty, string.Empty, string.Empty)).ConfigureAwait(false);
                    }

                    foreach (SpeciesDetection d in found)
                    {
                        (string type, string name) = d.Species switch
                        {
                            "human" => ("human", string.Empty),
                            "vehicle" => ("vehicle", string.Empty),
                            "unknown" => ("unknown", string.Empty),
                            _ => ("animal", d.Species),
                        };
                        await w.WriteAsync(Observation($"{t.EventId}_{Slug(d.Species)}", Deployment(t.Station), t.EventId, t.Time, type, name, d.Count.ToString(CultureInfo.InvariantCulture), Num(d.Confidence))).ConfigureAwait(false);
                    }
                }
            }, ct).ConfigureAwait(false);

            var package = new Dictionary<string, object?>
            {
                ["name"] = "gardencity-mentougou-camera-traps",
                ["title"] = "Mentougou camera traps (Baihua Mountain and neighbouring sites)",
                ["profile"] = SchemaBase + "camtrap-dp-profile.json",
                ["created"] = Time(now),
                ["contributors"] = new[] { new { title = "GardenCity.Monitoring, Mentougou district", role = "publisher" } },
                ["licenses"] = new[] { new { name = "CC-BY-4.0", scope = "data" } },
                ["project"] = new
                {
                    title = "Mentougou ecological monitoring: camera traps",
                    samplingDesign = "targeted",
                    captureMethod = new[] { "activityDetection" },
                    individualAnimals = false,
                    observationLevel = new[] { "media" },
                },
                ["spatial"] = stations.Count == 0 ? null : new
                {
                    type = "Polygon",
                    coordinates = new[]
                    {
                        new[]
                        {
                            new[] { stations.Min(s => s.Lon), stations.Min(s => s.Lat) }, new[] { stations.Max(s => s.Lon), stations.Min(s => s.Lat) },
                            new[] { stations.Max(s => s.Lon), stations.Max(s => s.Lat) }, new[] { stations.Min(s => s.Lon), stations.Max(s => s.Lat) },
                            new[] { stations.Min(s => s.Lon), stations.Min(s => s.Lat) },
                        },
                    },
                },
                ["temporal"] = new { start = from.ToOffset(Params.Local).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), end = to.ToOffset(Params.Local).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
                ["taxonomic"] = species.Where(s => s is not ("human" or "vehicle" or "unknown")).Select(s => new { scientificName = s }),
                ["resources"] = new[] { Resource("deployments"), Resource("media"), Resource("observations") },
            };
            await WriteEntryAsync(zip, "datapackage.json", w => w.WriteAsync(JsonSerializer.Serialize(package, PackageJson)), ct).ConfigureAwait(false);
        }

        await sink.FlushAsync(ct).ConfigureAwait(false); // the central directory
    }

    /// <summary>
    /// The triggers of deployed cameras, each with the detections of its event, from two streams in time order joined
    /// per time. <paramref name="species"/>, when given, collects the species of every detection of the period.
    /// </summary>
    private static async IAsyncEnumerable<(TriggerRecord Trigger, List<SpeciesDetection> Found)> JoinAsync(
        ApiQueries queries, DateTimeOffset from, DateTimeOffset to, HashSet<string> deployed, SortedSet<string>? species, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        IAsyncEnumerator<List<SpeciesDetection>> detections = queries.StreamDetectionsAsync(from, to, ct).GetAsyncEnumerator(ct);
        await using (detections.ConfigureAwait(false))
        {
            List<SpeciesDetection>? pending = await NextAsync(detections, species).ConfigureAwait(false);
            await foreach (List<TriggerRecord> triggers in queries.StreamTriggersAsync(from, to, ct).ConfigureAwait(false))
            {
                DateTimeOffset time = triggers[0].Time;
                while (pending is not null && pending[0].Time < time)
                {
                    pending = await NextAsync(detections, species).ConfigureAwait(false); // detections without a trigger in the period
                }

                List<SpeciesDetection> same = pending is not null && pending[0].Time == time ? pending : [];
                foreach (TriggerRecord t in triggers.Where(t => deployed.Contains(t.Station)))
                {
                    yield return (t, same.FindAll(d => d.EventId == t.EventId));
                }
            }

            while (pending is not null)
            {
                pending = await NextAsync(detections, species).ConfigureAwait(false);
            }
        }
    }

    private static async Task<List<SpeciesDetection>?> NextAsync(IAsyncEnumerator<List<SpeciesDetection>> detections, SortedSet<string>? species)
    {
        if (!await detections.MoveNextAsync().ConfigureAwait(false))
        {
            return null;
        }

        species?.UnionWith(detections.Current.Select(d => d.Species));
        return detections.Current;
    }

    private static async Task WriteEntryAsync(ZipArchive zip, string name, Func<StreamWriter, Task> write, CancellationToken ct)
    {
        ZipArchiveEntry entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        Stream stream = await entry.OpenAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var writer = new StreamWriter(stream, Utf8, bufferSize: 64 * 1024, leaveOpen: true);
            await using (writer.ConfigureAwait(false))
            {
                await write(writer).ConfigureAwait(false);
            }
        }
    }

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private static readonly JsonSerializerOptions PackageJson = new() { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private static object Resource(string name) => new { name, path = name + ".csv", profile = "tabular-data-resource", format = "csv", mediatype = "text/csv", encoding = "utf-8", schema = SchemaBase + name + "-table-schema.json" };

    private static string Observation(string id, string deployment, string mediaId, DateTimeOffset time, string type, string name, string count, string probability) =>
        Row([id, deployment, mediaId, string.Empty, Time(time), Time(time), "media", type, string.Empty, name, count, string.Empty, string.Empty,
             string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
             probability.Length > 0 ? "machine" : string.Empty, probability.Length > 0 ? "station classifier" : string.Empty, string.Empty, probability, string.Empty, string.Empty]);

    private static string Row(IEnumerable<string> cells) => string.Join(",", cells.Select(Cell)) + "\n";

    /// <summary>A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break.</summary>
    internal static string Cell(string value) => value.Contains(',', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal)
        ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : value;

    private static string Time(DateTimeOffset t) => t.ToOffset(Params.Local).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Slug(string species) => species.Replace(' ', '_');

    /// <summary>
    /// The response body under the zip. .NET 10's ZipArchive writes entry data asynchronously, but closing an entry
    /// (the deflater's last block, the data descriptor) and the central directory are written synchronously even from
    /// DisposeAsync, and Kestrel refuses synchronous writes. Those few small writes are kept here and sent, in order,
    /// before the next asynchronous write or on <see cref="FlushAsync(CancellationToken)"/>.
    /// </summary>
    private sealed class SyncWritesBuffered(Stream inner) : Stream
    {
        private readonly MemoryStream _pending = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _pending.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => _pending.Write(buffer);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await DrainAsync(cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override void Flush()
        {
            // Nothing synchronous reaches the response: kept until the next asynchronous write or flush.
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await DrainAsync(cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _pending.Dispose();
            }

            base.Dispose(disposing);
        }

        private async Task DrainAsync(CancellationToken cancellationToken)
        {
            if (_pending.Length > 0)
            {
                await inner.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken).ConfigureAwait(false);
                _pending.SetLength(0);
            }
        }
    }
}
