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

    /// <summary>Builds the zip.</summary>
    public static async Task<byte[]> BuildAsync(ApiQueries queries, StationRegistry registry, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(registry);
        IReadOnlyDictionary<string, List<DateTimeOffset>> working = await queries.WorkingEvidenceAsync(from, to, ct).ConfigureAwait(false);
        var triggers = await queries.TriggersAsync(from, to, ct).ConfigureAwait(false);
        var detections = await queries.AllDetectionsAsync(from, to, ct).ConfigureAwait(false);

        string Deployment(string station) => $"{station}_{from.ToOffset(Params.Local):yyyyMMdd}";
        var deployments = new StringBuilder(Row(DeploymentColumns));
        var deployed = new HashSet<string>(StringComparer.Ordinal);
        foreach (Station s in registry.Stations.Where(s => s.Kind == StationKind.CameraTrap).OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            var seen = (working.GetValueOrDefault(s.Id) ?? []).Concat(triggers.Where(t => t.Station == s.Id).Select(t => t.Time)).ToList();
            if (seen.Count == 0)
            {
                continue;
            }

            deployed.Add(s.Id);
            deployments.Append(Row([Deployment(s.Id), s.Id, s.NameEn, Num(s.Lat), Num(s.Lon), "30", Time(seen.Min()), Time(seen.Max()), "Baihua Mountain reserve", s.Id, string.Empty,
                string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, "false", "false", string.Empty, string.Empty,
                $"site:{s.Site.Id}" + (s.Zone is { } z ? $" | zone:{z}" : string.Empty), string.Empty, string.Empty]));
        }

        var media = new StringBuilder(Row(MediaColumns));
        var observations = new StringBuilder(Row(ObservationColumns));
        var humanEvents = detections.Where(d => d.Species == "human").Select(d => d.EventId).ToHashSet(StringComparer.Ordinal);
        var byEvent = detections.GroupBy(d => d.EventId).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var t in triggers.Where(t => deployed.Contains(t.Station)))
        {
            string path = t.ImageUri.Length > 0 ? t.ImageUri : $"media/{t.EventId}.jpg";
            media.Append(Row([t.EventId, Deployment(t.Station), "activityDetection", Time(t.Time), path, humanEvents.Contains(t.EventId) ? "false" : "true",
                Path.GetFileName(path), "image/jpeg", string.Empty, string.Empty, string.Empty]));
            List<(DateTimeOffset Time, string Station, string Species, long Count, double Confidence, string EventId)> found = byEvent.GetValueOrDefault(t.EventId) ?? [];
            if (found.Count == 0)
            {
                observations.Append(Observation($"{t.EventId}_blank", Deployment(t.Station), t.EventId, t.Time, "blank", string.Empty, string.Empty, string.Empty));
            }

            foreach (var d in found)
            {
                (string type, string name) = d.Species switch
                {
                    "human" => ("human", string.Empty),
                    "vehicle" => ("vehicle", string.Empty),
                    "unknown" => ("unknown", string.Empty),
                    _ => ("animal", d.Species),
                };
                observations.Append(Observation($"{t.EventId}_{Slug(d.Species)}", Deployment(t.Station), t.EventId, t.Time, type, name, d.Count.ToString(CultureInfo.InvariantCulture), Num(d.Confidence)));
            }
        }

        var stations = deployed.Select(id => registry.TryGet(id, out Station? st) ? st! : throw new InvalidOperationException(id)).ToList();
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
            ["taxonomic"] = detections.Select(d => d.Species).Where(s => s is not ("human" or "vehicle" or "unknown")).Distinct().Order(StringComparer.Ordinal).Select(s => new { scientificName = s }),
            ["resources"] = new[] { Resource("deployments"), Resource("media"), Resource("observations") },
        };

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "datapackage.json", JsonSerializer.Serialize(package, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
            Add(zip, "deployments.csv", deployments.ToString());
            Add(zip, "media.csv", media.ToString());
            Add(zip, "observations.csv", observations.ToString());
        }

        return buffer.ToArray();
    }

    private static object Resource(string name) => new { name, path = name + ".csv", profile = "tabular-data-resource", format = "csv", mediatype = "text/csv", encoding = "utf-8", schema = SchemaBase + name + "-table-schema.json" };

    private static string Observation(string id, string deployment, string mediaId, DateTimeOffset time, string type, string name, string count, string probability) =>
        Row([id, deployment, mediaId, string.Empty, Time(time), Time(time), "media", type, string.Empty, name, count, string.Empty, string.Empty,
             string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
             probability.Length > 0 ? "machine" : string.Empty, probability.Length > 0 ? "station classifier" : string.Empty, string.Empty, probability, string.Empty, string.Empty]);

    private static void Add(ZipArchive zip, string name, string text)
    {
        ZipArchiveEntry entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        using Stream stream = entry.Open();
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    private static string Row(IEnumerable<string> cells) => string.Join(",", cells.Select(Cell)) + "\n";

    /// <summary>A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break.</summary>
    internal static string Cell(string value) => value.Contains(',', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal)
        ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : value;

    private static string Time(DateTimeOffset t) => t.ToOffset(Params.Local).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Slug(string species) => species.Replace(' ', '_');
}
