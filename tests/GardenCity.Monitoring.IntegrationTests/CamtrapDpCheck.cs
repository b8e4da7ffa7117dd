using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Api.Queries;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Checks a Camtrap DP package against the rules of the 1.0 standard as docs/domain-reference §3.1 records them: the
/// package metadata that is required, the three resources, each table's columns in schema order, required values,
/// enumerations, the datetime format with a zone, unique keys and the links between tables, and rules of ours the
/// schemas cannot state (media with people are not public; an animal observation has a scientific name). The
/// official schemas themselves are run by <see cref="CamtrapDpSchema"/>.
/// </summary>
internal static partial class CamtrapDpCheck
{
    // Allowed values of the Camtrap DP enumerations checked below.
    private static readonly string[] Booleans = ["true", "false"];
    private static readonly string[] ObservationLevels = ["media", "event"];
    private static readonly string[] ObservationTypes = ["animal", "human", "vehicle", "blank", "unknown", "unclassified"];

    public static void Validate(ZipArchive zip)
    {
        using JsonDocument package = JsonDocument.Parse(Text(zip, "datapackage.json"));
        JsonElement p = package.RootElement;
        foreach (string key in new[] { "resources", "profile", "created", "contributors", "project", "spatial", "temporal", "taxonomic" })
        {
            Assert.True(p.TryGetProperty(key, out _), "datapackage.json lacks " + key);
        }

        Assert.Matches(@"^https://raw\.githubusercontent\.com/tdwg/camtrap-dp/1\.0(\.\d+)?/camtrap-dp-profile\.json$", p.GetProperty("profile").GetString());
        JsonElement project = p.GetProperty("project");
        foreach (string key in new[] { "title", "samplingDesign", "captureMethod", "individualAnimals", "observationLevel" })
        {
            Assert.True(project.TryGetProperty(key, out _), "project lacks " + key);
        }

        Assert.True(p.GetProperty("temporal").TryGetProperty("start", out _) && p.GetProperty("temporal").TryGetProperty("end", out _));
        Assert.All(p.GetProperty("taxonomic").EnumerateArray(), t => Assert.False(string.IsNullOrEmpty(t.GetProperty("scientificName").GetString())));
        Assert.Equal(["deployments", "media", "observations"], p.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.All(p.GetProperty("resources").EnumerateArray(), r =>
        {
            Assert.Equal("tabular-data-resource", r.GetProperty("profile").GetString());
            Assert.NotNull(zip.GetEntry(r.GetProperty("path").GetString()!));
            Assert.EndsWith("-table-schema.json", r.GetProperty("schema").GetString(), StringComparison.Ordinal);
        });

        var deployments = Rows(zip, "deployments.csv", CamtrapDp.DeploymentColumns);
        var media = Rows(zip, "media.csv", CamtrapDp.MediaColumns);
        var observations = Rows(zip, "observations.csv", CamtrapDp.ObservationColumns);
        Assert.NotEmpty(deployments);
        Assert.NotEmpty(media);
        Required(deployments, "deploymentID", "latitude", "longitude", "deploymentStart", "deploymentEnd");
        Required(media, "mediaID", "deploymentID", "timestamp", "filePath", "filePublic", "fileMediatype");
        Required(observations, "observationID", "deploymentID", "eventStart", "eventEnd", "observationLevel", "observationType");
        Unique(deployments, "deploymentID");
        Unique(media, "mediaID");
        Unique(observations, "observationID");
        var deploymentIds = deployments.Select(d => d["deploymentID"]).ToHashSet();
        var mediaIds = media.Select(m => m["mediaID"]).ToHashSet();
        Assert.All(media, m => Assert.Contains(m["deploymentID"], deploymentIds));
        Assert.All(observations, o => Assert.Contains(o["deploymentID"], deploymentIds));
        Assert.All(observations, o => Assert.True(o["mediaID"].Length == 0 || mediaIds.Contains(o["mediaID"])));
        Assert.All(deployments, d =>
        {
            Assert.InRange(double.Parse(d["latitude"], System.Globalization.CultureInfo.InvariantCulture), -90, 90);
            Assert.InRange(double.Parse(d["longitude"], System.Globalization.CultureInfo.InvariantCulture), -180, 180);
            Assert.Matches(DateTime(), d["deploymentStart"]);
            Assert.Matches(DateTime(), d["deploymentEnd"]);
        });
        Assert.All(media, m =>
        {
            Assert.Matches(DateTime(), m["timestamp"]);
            Assert.Matches("^(image|video|audio)/.*$", m["fileMediatype"]);
            Assert.Contains(m["filePublic"], Booleans);
            Assert.DoesNotContain("..", m["filePath"], StringComparison.Ordinal);
        });
        Assert.All(observations, o =>
        {
            Assert.Contains(o["observationLevel"], ObservationLevels);
            Assert.Contains(o["observationType"], ObservationTypes);
            Assert.Equal(o["observationType"] == "animal", o["scientificName"].Length > 0);
            Assert.True(o["count"].Length == 0 || int.Parse(o["count"], System.Globalization.CultureInfo.InvariantCulture) >= 1);
            Assert.True(o["classificationProbability"].Length == 0 || double.Parse(o["classificationProbability"], System.Globalization.CultureInfo.InvariantCulture) is >= 0 and <= 1);
        });
        var humanMedia = observations.Where(o => o["observationType"] == "human").Select(o => o["mediaID"]).ToHashSet();
        Assert.All(media.Where(m => humanMedia.Contains(m["mediaID"])), m => Assert.Equal("false", m["filePublic"]));
    }

    public static List<Dictionary<string, string>> Rows(ZipArchive zip, string name) => Rows(zip, name, null);

    private static List<Dictionary<string, string>> Rows(ZipArchive zip, string name, string[]? columns)
    {
        List<string[]> records = CamtrapDpSchema.ParseCsv(Text(zip, name)); // one CSV reader (RFC 4180) for both checks
        string[] header = records[0];
        if (columns is not null)
        {
            Assert.Equal(columns, header);
        }

        return records.Skip(1).Select(cells =>
        {
            Assert.Equal(header.Length, cells.Length);
            return header.Zip(cells).ToDictionary(x => x.First, x => x.Second);
        }).ToList();
    }

    private static void Required(List<Dictionary<string, string>> rows, params string[] fields) =>
        Assert.All(rows, r => Assert.All(fields, f => Assert.False(string.IsNullOrEmpty(r[f]), f + " is required")));

    private static void Unique(List<Dictionary<string, string>> rows, string field) =>
        Assert.Equal(rows.Count, rows.Select(r => r[field]).Distinct().Count());

    private static string Text(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex DateTime();
}
