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
/// observation). Media with people are not public (privacy). Times in UTC+8 with their offset. Checked against the
/// official Camtrap DP 1.0.2 and Frictionless schemas (tests: <c>CamtrapDpSchemaTests</c>, <c>ApiTests</c>).
/// </summary>
public static partial class CamtrapDp
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
    /// <remarks>
    /// Verification (docs/ecology.md): a detection a reviewer rejected is left out (a trigger left without any is
    /// <c>blank</c>); an unverified detection of a sensitive species is an <c>unclassified</c> observation without a
    /// name; confirmed and corrected ones are human classifications (<c>classifiedBy</c> the reviewer, the review's
    /// time, the individual). <paramref name="location"/> gives each camera's coordinates as the caller may see them
    /// (generalised, with <c>coordinateUncertainty</c>); without it, exact.
    /// </remarks>
    public static async Task WriteAsync(Stream output, ApiQueries queries, StationRegistry registry, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, CancellationToken ct, Func<Station, Ecology.ShownLocation>? location = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        location ??= s => new Ecology.ShownLocation(s.Lat, s.Lon, Ecology.LocationProtection.ExactUncertaintyM, true);
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
            DateTimeOffset? firstWork = stations.Count == 0 ? null : stations.Min(s => spans[s.Id].First);
            DateTimeOffset? lastWork = stations.Count == 0 ? null : stations.Max(s => spans[s.Id].Last);
            await WriteEntryAsync(zip, "deployments.csv", async w =>
            {
                await w.WriteAsync(Row(DeploymentColumns)).ConfigureAwait(false);
                foreach (Station s in stations)
                {
                    (DateTimeOffset first, DateTimeOffset last) = spans[s.Id];
                    Ecology.ShownLocation at = location(s);
                    await w.WriteAsync(Row([Deployment(s.Id), s.Id, s.NameEn, Num(at.Lat), Num(at.Lon), at.UncertaintyM.ToString(CultureInfo.InvariantCulture), Time(first), Time(last), "Baihua Mountain reserve", s.Id, string.Empty,
                        string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, "false", "false", string.Empty, string.Empty,
                        $"site:{s.Site.Id}" + (s.Zone is { } z ? $" | zone:{z}" : string.Empty), string.Empty, string.Empty])).ConfigureAwait(false);
                }
            }, ct).ConfigureAwait(false);

            await WriteEntryAsync(zip, "media.csv", async w =>
            {
                await w.WriteAsync(Row(MediaColumns)).ConfigureAwait(false);
                await foreach ((TriggerRecord t, List<Ecology.VerifiedDetection> found) in JoinAsync(queries, from, to, deployed, ct).ConfigureAwait(false))
                {
                    (string path, string fileName, string comment) = FileOf(t);
                    bool people = found.Exists(d => d.Detection.Species == "human" || d.MachineSpecies == "human");
                    await w.WriteAsync(Row([MediaId(t), Deployment(t.Station), "activityDetection", Time(t.Time), path, people ? "false" : "true",
                        fileName, "image/jpeg", string.Empty, string.Empty, comment])).ConfigureAwait(false);
                }
            }, ct).ConfigureAwait(false);

            var species = new SortedSet<string>(StringComparer.Ordinal);
            bool individuals = false;
            await WriteEntryAsync(zip, "observations.csv", async w =>
            {
                await w.WriteAsync(Row(ObservationColumns)).ConfigureAwait(false);
                await foreach ((TriggerRecord t, List<Ecology.VerifiedDetection> found) in JoinAsync(queries, from, to, deployed, ct).ConfigureAwait(false))
                {
                    string mediaId = MediaId(t);
                    var kept = found.FindAll(v => v.Status != Ecology.VerificationStatus.Rejected);
                    if (kept.Count == 0)
                    {
                        // Blank: nothing detected, or every detection rejected by a reviewer (then a human classification).
                        Ecology.DetectionReview? rejected = found.Select(v => v.Review).LastOrDefault(r => r is not null);
                        await w.WriteAsync(Observation($"{mediaId}_blank", Deployment(t.Station), mediaId, t.EventId, t.Time, "blank", string.Empty, string.Empty, Classification.None with { Review = rejected })).ConfigureAwait(false);
                    }

                    foreach (Ecology.VerifiedDetection v in kept)
                    {
                        SpeciesDetection d = v.Detection;
                        string id = $"{mediaId}_{Slug(v.MachineSpecies)}";
                        if (v.Status == Ecology.VerificationStatus.Unverified)
                        {
                            // Held for review: neither its name nor its count is published, but the media is not called blank.
                            await w.WriteAsync(Observation(id, Deployment(t.Station), mediaId, t.EventId, t.Time, "unclassified", string.Empty, string.Empty, Classification.None)).ConfigureAwait(false);
                            continue;
                        }

                        (string type, string name) = d.Species switch
                        {
                            "human" => ("human", string.Empty),
                            "vehicle" => ("vehicle", string.Empty),
                            "unknown" => ("unknown", string.Empty),
                            _ => ("animal", d.Species),
                        };
                        if (name.Length > 0)
                        {
                            species.Add(name); // taxonomic: the scientific names of the observations written, nothing else
                        }

                        individuals |= v.Review?.IndividualId is not null;
                        await w.WriteAsync(Observation(id, Deployment(t.Station), mediaId, t.EventId, t.Time, type, name, d.Count.ToString(CultureInfo.InvariantCulture),
                            new Classification(Num(d.Confidence), v.Review))).ConfigureAwait(false);
                    }
                }
            }, ct).ConfigureAwait(false);

            // Spatial coverage: the cameras deployed; with none in the period (a package without records), the camera
            // traps of the registry, so that the required spatial is still the network's area, not absent.
            List<Station> cameras = stations.Count > 0 ? stations : [.. registry.Stations.Where(s => s.Kind == StationKind.CameraTrap)];
            List<(double Lat, double Lon)> area = [.. cameras.Select(s => location(s)).SelectMany(Corners)];
            var package = new Dictionary<string, object?>
            {
                ["name"] = "gardencity-mentougou-camera-traps",
                ["title"] = "Mentougou camera traps (Baihua Mountain and neighbouring sites)",
                ["profile"] = SchemaBase + "camtrap-dp-profile.json",
                ["created"] = Time(now),
                ["contributors"] = new[] { new { title = "GardenCity.Monitoring, Mentougou district", role = "publisher" } },
                // The profile: if licenses are given, one for the data and one for the media files (minItems 2).
                ["licenses"] = new[] { new { name = "CC-BY-4.0", scope = "data" }, new { name = "CC-BY-4.0", scope = "media" } },
                ["project"] = new
                {
                    title = "Mentougou ecological monitoring: camera traps",
                    samplingDesign = "targeted",
                    captureMethod = new[] { "activityDetection" },
                    individualAnimals = individuals,
                    observationLevel = new[] { "media" },
                },
                ["spatial"] = area.Count == 0 ? null : new
                {
                    type = "Polygon",
                    coordinates = new[]
                    {
                        new[]
                        {
                            new[] { Math.Round(area.Min(s => s.Lon), 6), Math.Round(area.Min(s => s.Lat), 6) }, new[] { Math.Round(area.Max(s => s.Lon), 6), Math.Round(area.Min(s => s.Lat), 6) },
                            new[] { Math.Round(area.Max(s => s.Lon), 6), Math.Round(area.Max(s => s.Lat), 6) }, new[] { Math.Round(area.Min(s => s.Lon), 6), Math.Round(area.Max(s => s.Lat), 6) },
                            new[] { Math.Round(area.Min(s => s.Lon), 6), Math.Round(area.Min(s => s.Lat), 6) },
                        },
                    },
                },
                ["temporal"] = Temporal(from, to, firstWork, lastWork),
                ["taxonomic"] = species.Select(s => new { scientificName = s }),
                ["resources"] = new[] { Resource("deployments"), Resource("media"), Resource("observations") },
            };
            await WriteEntryAsync(zip, "datapackage.json", w => w.WriteAsync(JsonSerializer.Serialize(package, PackageJson)), ct).ConfigureAwait(false);
        }

        await sink.FlushAsync(ct).ConfigureAwait(false); // the central directory
    }

    /// <summary>
    /// The triggers of deployed cameras, each with the detections of its event, from two streams in time order joined
    /// per time.
    /// </summary>
    private static async IAsyncEnumerable<(TriggerRecord Trigger, List<Ecology.VerifiedDetection> Found)> JoinAsync(
        ApiQueries queries, DateTimeOffset from, DateTimeOffset to, HashSet<string> deployed, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        IAsyncEnumerator<List<Ecology.VerifiedDetection>> detections = queries.StreamVerifiedAsync(from, to, ct).GetAsyncEnumerator(ct);
        await using (detections.ConfigureAwait(false))
        {
            List<Ecology.VerifiedDetection>? pending = await NextAsync(detections).ConfigureAwait(false);
            await foreach (List<TriggerRecord> triggers in queries.StreamTriggersAsync(from, to, ct).ConfigureAwait(false))
            {
                DateTimeOffset time = triggers[0].Time;
                while (pending is not null && pending[0].Detection.Time < time)
                {
                    pending = await NextAsync(detections).ConfigureAwait(false); // detections without a trigger in the period
                }

                List<Ecology.VerifiedDetection> same = pending is not null && pending[0].Detection.Time == time ? pending : [];
                foreach (TriggerRecord t in triggers.Where(t => deployed.Contains(t.Station)))
                {
                    yield return (t, same.FindAll(d => d.Detection.Station == t.Station && d.Detection.EventId == t.EventId));
                }
            }

            while (pending is not null)
            {
                pending = await NextAsync(detections).ConfigureAwait(false);
            }
        }
    }

    private static async Task<List<Ecology.VerifiedDetection>?> NextAsync(IAsyncEnumerator<List<Ecology.VerifiedDetection>> detections) =>
        await detections.MoveNextAsync().ConfigureAwait(false) ? detections.Current : null;

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

    /// <summary>
    /// <c>temporal</c>: the dates (UTC+8) of the first and the last day of the deployments written, as the profile
    /// defines it ("start date of the first deployment", "end date of the last deployment"). Without deployments, the
    /// requested period's first and last day: <paramref name="to"/> is exclusive, so its last day is the date of the
    /// instant just before it (issue 12 finding 5: it used to print <paramref name="to"/>'s own date, one day late).
    /// </summary>
    internal static object Temporal(DateTimeOffset from, DateTimeOffset to, DateTimeOffset? firstWork, DateTimeOffset? lastWork) => new
    {
        start = Date(firstWork ?? from),
        end = Date(lastWork ?? (to > from ? to.AddTicks(-1) : from)),
    };

    private static string Date(DateTimeOffset t) => t.ToOffset(Params.Local).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>mediaID</c>: the camera and the trigger's time (UTC+8, to the 100 ns). The point identity in InfluxDB is
    /// measurement, tags and time, so no two triggers of one camera share a time, while the camera's own
    /// <c>event_id</c> is unique neither across cameras (two cameras of one model both count <c>IMG 0001</c>) nor over
    /// time (a counter reset): it is kept in <c>observations.eventID</c> and the file name. (A media ID of the event id
    /// alone broke the tables' primary key, found by the official Table Schemas.)
    /// </summary>
    internal static string MediaId(TriggerRecord t) => $"{t.Station}_{t.Time.ToOffset(Params.Local).ToString("yyyyMMdd'T'HHmmss.FFFFFFF", CultureInfo.InvariantCulture)}";

    /// <summary>
    /// <c>filePath</c>, <c>fileName</c> and <c>mediaComments</c> of a trigger. The station's <c>image_uri</c> when it
    /// is a path the media table schema accepts (not starting with <c>.</c>, <c>/</c> or <c>~</c>, no <c>..</c>);
    /// otherwise (none sent, or e.g. a camera's local <c>/sdcard/…</c> path) a relative path made of the camera and
    /// its event id, percent-encoded so that no id can make it climb out (<c>..</c>) or split it (<c>/</c>), with the
    /// <c>image_uri</c> as sent in <c>mediaComments</c>.
    /// </summary>
    internal static (string Path, string FileName, string Comment) FileOf(TriggerRecord t)
    {
        if (t.ImageUri.Length > 0 && FilePathPattern().IsMatch(t.ImageUri))
        {
            string name = t.ImageUri[(t.ImageUri.LastIndexOf('/') + 1)..];
            return (t.ImageUri, name.Length > 0 ? name : t.EventId, string.Empty);
        }

        string path = $"media/{t.Station}/{Uri.EscapeDataString(t.EventId).Replace(".", "%2E", StringComparison.Ordinal)}.jpg";
        return (path, t.EventId + ".jpg", t.ImageUri.Length > 0 ? "image_uri as sent: " + t.ImageUri : string.Empty);
    }

    /// <summary>The <c>filePath</c> pattern of the official media table schema (Camtrap DP 1.0.2).</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?=^[^./~])(^((?!\.{2}).)*$).*$")]
    private static partial System.Text.RegularExpressions.Regex FilePathPattern();

    /// <summary>
    /// Who classified an observation: a reviewer (<c>human</c>, their key's name, the review's time, no probability, the
    /// individual they named), else the camera's classifier (<c>machine</c>, its probability), else nobody.
    /// </summary>
    private sealed record Classification(string Probability, Ecology.DetectionReview? Review)
    {
        public static Classification None { get; } = new(string.Empty, null);
    }

    private static string Observation(string id, string deployment, string mediaId, string eventId, DateTimeOffset time, string type, string name, string count, Classification c)
    {
        (string method, string by, string at, string probability, string individual) = c.Review is { } r
            ? ("human", r.By, Time(r.At), string.Empty, r.Decision == Ecology.DetectionReview.Rejected ? string.Empty : r.IndividualId ?? string.Empty)
            : c.Probability.Length > 0 ? ("machine", "station classifier", string.Empty, c.Probability, string.Empty) : (string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);
        return Row([id, deployment, mediaId, eventId, Time(time), Time(time), "media", type, string.Empty, name, count, string.Empty, string.Empty,
             string.Empty, individual, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
             method, by, at, probability, string.Empty, string.Empty]);
    }

    /// <summary>The corners of the area a shown location stands for (the point itself when exact).</summary>
    private static IEnumerable<(double Lat, double Lon)> Corners(Ecology.ShownLocation at)
    {
        if (at.Exact)
        {
            yield return (at.Lat, at.Lon);
            yield break;
        }

        double dLat = at.UncertaintyM / 111_320.0, dLon = at.UncertaintyM / (111_320.0 * Math.Cos(at.Lat * Math.PI / 180));
        yield return (Math.Round(at.Lat - dLat, 3), Math.Round(at.Lon - dLon, 3)); // three decimals, like the generalised point: no false precision
        yield return (Math.Round(at.Lat + dLat, 3), Math.Round(at.Lon + dLon, 3));
    }

    private static string Row(IEnumerable<string> cells) => string.Join(",", cells.Select(Cell)) + "\n";

    /// <summary>A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break.</summary>
    internal static string Cell(string value) => value.Contains(',', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal)
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
