using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// The schema check itself (CamtrapDpSchema): the official files are the ones copied, the official example package
/// passes, and packages made invalid in one place each are rejected for that place. (The exports are checked in
/// ApiTests, from a real influxd.)
/// </summary>
public sealed class CamtrapDpSchemaTests
{
    /// <summary>
    /// SHA-256 of each file of Reference/ taken when it was copied from the project's shared/reference (2026-12-02),
    /// itself tdwg/camtrap-dp tag 1.0.2 and frictionlessdata/specs profiles/target/1.0 (Reference/README.md).
    /// </summary>
    private static readonly Dictionary<string, string> Sha256 = new(StringComparer.Ordinal)
    {
        ["camtrap-dp-1.0.2/LICENSE"] = "62fbe02066e064542927a95d4f2bfe16e9337a0f624bba57693c2d42ae364342",
        ["camtrap-dp-1.0.2/camtrap-dp-profile.json"] = "daea4da7d64531e17986daad30bd3852701c7326a79b1b5e49a213c5489a8652",
        ["camtrap-dp-1.0.2/deployments-table-schema.json"] = "2893074dbc0a2331f038bca22626cfdc65614c7d2009df908adbb403281f4dfa",
        ["camtrap-dp-1.0.2/example/datapackage.json"] = "f619c8311796a0a26b6d46f911c9a4a8a17bf30e4f97485f6bc4fe91296139ab",
        ["camtrap-dp-1.0.2/example/deployments.csv"] = "96084baa2eaac9221780ebd0fc096c23a1317b354931b71be0335280e4bcec7b",
        ["camtrap-dp-1.0.2/example/media.csv"] = "910596bb60af429fc955f17401ce98b915e9c8e72e491c1e715f3b51cfc6bbce",
        ["camtrap-dp-1.0.2/example/observations.csv"] = "845cfb09da01f3e60139b1c5b31088318ff17b7f4bafcc913bd7cd63f01289ca",
        ["camtrap-dp-1.0.2/media-table-schema.json"] = "79b3acb6e4431dd748829364b6df17c120774127a0091b9eaa7a012d9fae3867",
        ["camtrap-dp-1.0.2/observations-table-schema.json"] = "b008021a15c575f38468f511d8a3fd6468d2a670c952f3914481fb3379e6232a",
        ["frictionless-1.0/LICENSE.md"] = "88d9b4eb60579c191ec391ca04c16130572d7eedc4a86daa58bf28c6e14c9bcd",
        ["frictionless-1.0/datapackage.json"] = "c9b0e581c5b941d35290e3d830358ed6ab5a5e96ee14054670a3814d5847e716",
        ["frictionless-1.0/dataresource.json"] = "70d9e9b81ee41566c75d406279a52fdc6704aa94220db5d6b121cb8af55eeb1a",
        ["frictionless-1.0/tabledialect.json"] = "06933fc3ec3b737009d374ccbf45d682a1165fe5298257e7f894767b9d24cd24",
        ["frictionless-1.0/tableschema.json"] = "62603d24cc51c8a48b909e96e3a9f5d8e686fdbc14d7ea3da48f2384002a228b",
    };

    private static readonly string Example = Path.Combine(CamtrapDpSchema.ReferenceDirectory, "camtrap-dp-1.0.2", "example");

    [Fact]
    public void Reference_CopiesAreTheOfficialFilesUnchanged()
    {
        string inRepo = Path.Combine(Repo.Root, "tests", "GardenCity.Monitoring.IntegrationTests", "Reference");
        foreach (string root in new[] { inRepo, CamtrapDpSchema.ReferenceDirectory })
        {
            var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                .Where(f => f != "README.md").Order(StringComparer.Ordinal).ToList();
            Assert.Equal(Sha256.Keys.Order(StringComparer.Ordinal), files);
            Assert.All(files, f => Assert.True(Sha256[f] == Hash(Path.Combine(root, f)), $"{root}/{f} is not the file copied"));
        }

        // Where the originals are at hand (a developer's machine; CI clones the repository only), byte for byte.
        string shared = Path.GetFullPath(Path.Combine(Repo.Root, "..", "shared", "reference"));
        if (Directory.Exists(shared))
        {
            Assert.All(Sha256.Keys, f => Assert.Equal(Hash(Path.Combine(shared, f)), Hash(Path.Combine(inRepo, f))));
        }
    }

    [Fact]
    public void OfficialExamplePackage_PassesTheOfficialSchemas()
    {
        IReadOnlyList<string> errors = CamtrapDpSchema.Validate(Example);

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    /// <summary>The official example with one defect each: the check must name it.</summary>
    [Theory]
    [InlineData("profile: one licence only", "/licenses", "minItems")]
    [InlineData("profile: temporal end not a date", "/temporal/end", "format")]
    [InlineData("profile: samplingDesign not in its enum", "/project/samplingDesign", "enum")]
    [InlineData("profile: a table schema of another version", "/resources/0/schema", "pattern")]
    [InlineData("geojson stand-in: spatial without type", "/spatial", "required")]
    [InlineData("profile: taxonomic entry without scientificName", "/taxonomic/0", "required")]
    [InlineData("profile: contributor role not in its enum", "/contributors/0/role", "enum")]
    [InlineData("frictionless: package name with capitals", "/name", "pattern")]
    [InlineData("table: observationType not in its enum", "observations.csv row 2 observationType", "not in enum")]
    [InlineData("table: filePath climbing out", "media.csv row 3 filePath", "pattern")]
    [InlineData("table: latitude over 90", "deployments.csv row 2 latitude", "above maximum")]
    [InlineData("table: timestamp without a zone", "media.csv row 3 timestamp", "datetime format")]
    [InlineData("table: 31 February", "media.csv row 3 timestamp", "does not exist")]
    [InlineData("table: count not an integer", "observations.csv row 2 count", "not an integer")]
    [InlineData("table: filePublic not a boolean", "media.csv row 3 filePublic", "not a boolean")]
    [InlineData("table: required value NA (a missing value)", "media.csv row 3 deploymentID", "required")]
    [InlineData("table: duplicate mediaID", "media.csv row 3", "primary key")]
    [InlineData("table: media of an unknown deployment", "media.csv row 3: foreign key [deploymentID]", "not found in deployments")]
    [InlineData("table: columns out of order", "observations.csv header", "differs")]
    [InlineData("table: a cell too many", "deployments.csv row 2", "cells")]
    public void CraftedPackage_IsRejectedForItsDefect(string defect, string where, string what)
    {
        var files = Directory.EnumerateFiles(Example).ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
        JsonNode package = JsonNode.Parse(files["datapackage.json"])!;
        string[] media = files["media.csv"].Split('\n');
        string[] observations = files["observations.csv"].Split('\n');
        string[] deployments = files["deployments.csv"].Split('\n');
        string firstMediaId = media[1].Split(',')[0];
        switch (defect)
        {
            case "profile: one licence only": package["licenses"]!.AsArray().RemoveAt(1); break;
            case "profile: temporal end not a date": package["temporal"]!["end"] = "2021-04-31"; break;
            case "profile: samplingDesign not in its enum": package["project"]!["samplingDesign"] = "targetted"; break;
            case "profile: a table schema of another version": package["resources"]![0]!["schema"] = "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.1/deployments-table-schema.json"; break;
            case "geojson stand-in: spatial without type": package["spatial"]!.AsObject().Remove("type"); break;
            case "profile: taxonomic entry without scientificName": package["taxonomic"]![0]!.AsObject().Remove("scientificName"); break;
            case "profile: contributor role not in its enum": package["contributors"]![0]!["role"] = "author"; break;
            case "frictionless: package name with capitals": package["name"] = "Camtrap DP Example"; break;
            case "table: observationType not in its enum": observations[1] = observations[1].Replace(",event,animal,", ",event,bird,", StringComparison.Ordinal); break;
            case "table: filePath climbing out": media[2] = Cells(media[2], 4, "../assets/401386c7.jpg"); break;
            case "table: latitude over 90": deployments[1] = Cells(deployments[1], 3, "91.496"); break;
            case "table: timestamp without a zone": media[2] = Cells(media[2], 3, "2020-05-30T04:57:40"); break;
            case "table: 31 February": media[2] = Cells(media[2], 3, "2020-02-31T04:57:40+02:00"); break;
            case "table: count not an integer": observations[1] = Cells(observations[1], 10, "1.5"); break;
            case "table: filePublic not a boolean": media[2] = Cells(media[2], 5, "yes"); break;
            case "table: required value NA (a missing value)": media[2] = Cells(media[2], 1, "NA"); break;
            case "table: duplicate mediaID": media[2] = Cells(media[2], 0, firstMediaId); break;
            case "table: media of an unknown deployment": media[2] = Cells(media[2], 1, "nosuchdeployment"); break;
            case "table: columns out of order": observations[0] = observations[0].Replace("eventStart,eventEnd", "eventEnd,eventStart", StringComparison.Ordinal); break;
            case "table: a cell too many": deployments[1] += ",extra"; break;
            default: throw new ArgumentOutOfRangeException(nameof(defect), defect, null);
        }

        files["datapackage.json"] = package.ToJsonString();
        files["media.csv"] = string.Join('\n', media);
        files["observations.csv"] = string.Join('\n', observations);
        files["deployments.csv"] = string.Join('\n', deployments);
        IReadOnlyList<string> errors = CamtrapDpSchema.Validate(name => files.GetValueOrDefault(name));

        Assert.Contains(errors, e => e.Contains(where, StringComparison.Ordinal) && e.Contains(what, StringComparison.Ordinal));
    }

    private static string Cells(string line, int index, string value)
    {
        string[] cells = line.Split(',');
        Assert.DoesNotContain('"', line); // the rows changed here have no quoted cells
        cells[index] = value;
        return string.Join(',', cells);
    }

    private static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
