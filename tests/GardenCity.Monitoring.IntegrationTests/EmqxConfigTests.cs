using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// deploy/emqx/: the files <c>gardencity registry emqx-users</c> and <c>emqx-acl</c> write, run as a person runs them and
/// read back in the formats EMQX 5 documents (no EMQX can run here; deploy/emqx/README.md says what is untested).
/// </summary>
public sealed partial class EmqxConfigTests
{
    private static readonly string EmqxDir = Path.Combine(Repo.Root, "deploy", "emqx");

    private static Task<(int ExitCode, string Stdout, string Stderr)> GardenCity(params string[] args) =>
        Repo.RunAsync("dotnet", [Repo.GardenCityDll, .. args]);

    /// <summary>EMQX's pbkdf2 check: pbkdf2_hmac(sha256, Password, Salt, Iterations, DKLength), hex, compared case-insensitively.</summary>
    private static bool EmqxAccepts(JsonElement user, int iterations, string password)
    {
        byte[] key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(user.GetProperty("salt").GetString()!), iterations, HashAlgorithmName.SHA256, 32);
        return string.Equals(Convert.ToHexString(key), user.GetProperty("password_hash").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EmqxUsers_ShippedRegistryAndAServiceAccount_EveryUserPassesEmqxsPbkdf2CheckWithItsPasswordOnly()
    {
        var (hashCode, serviceHash, hashError) = await Repo.RunAsync("dotnet", [Repo.GardenCityDll, "registry", "hash-password"], "gc-dev-gardencity-ingest\n");
        Assert.True(hashCode == 0, hashError);

        var (code, stdout, stderr) = await GardenCity("registry", "emqx-users", "--service-account", "gardencity-ingest=" + serviceHash.Trim());

        Assert.True(code == 0, stderr);
        Assert.Contains("password_hash_algorithm { name = pbkdf2, mac_fun = sha256, iterations = 100000, dk_length = 32 }", stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout);
        JsonElement[] users = [.. json.RootElement.EnumerateArray()];
        StationRegistry registry = StationRegistryLoader.LoadFile(Path.Combine(Repo.Root, "deploy", "stations.yaml"));
        Assert.Equal(["gardencity-ingest", .. registry.Stations.Select(s => s.Id).Order(StringComparer.Ordinal)], users.Select(u => u.GetProperty("user_id").GetString()));
        foreach (JsonElement user in users)
        {
            Assert.Equal(["user_id", "password_hash", "salt", "is_superuser"], user.EnumerateObject().Select(p => p.Name));
            Assert.Equal(JsonValueKind.False, user.GetProperty("is_superuser").ValueKind);
            string id = user.GetProperty("user_id").GetString()!;
            Assert.True(EmqxAccepts(user, 100_000, "gc-dev-" + id), id);
            Assert.False(EmqxAccepts(user, 100_000, "gc-dev-" + id + "x"), id);
        }
    }

    [Fact]
    public async Task EmqxUsers_StationWithABinarySaltHash_ExitsTwoNamingItAndWhatToDo()
    {
        string file = Path.Combine(Path.GetTempPath(), $"emqx-{Guid.NewGuid():N}.yaml");
        string text = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "deploy", "stations.yaml"), TestContext.Current.CancellationToken);
        Match first = PasswordHashLine().Match(text, text.IndexOf("  - id: yd-wl-03\n", StringComparison.Ordinal));
        // bhs-ct-01's hash from before salts were hex (16 random bytes): valid for the embedded broker, not storable in EMQX.
        text = text[..first.Index] + "    password_hash: \"pbkdf2-sha256$100000$wiKe83vyPyYCWKN8SEFdLg==$+us0BFOwu4EUs11bSynKXKZlvDi5PBD1vGaWofEsM44=\"" + text[(first.Index + first.Length)..];
        await File.WriteAllTextAsync(file, text, TestContext.Current.CancellationToken);
        try
        {
            var (code, stdout, stderr) = await GardenCity("registry", "emqx-users", "--file", file);

            Assert.True(code == 2, stderr);
            Assert.Empty(stdout);
            Assert.Contains($"{file}: 1 entry cannot be written for EMQX", stderr, StringComparison.Ordinal);
            Assert.Contains("'yd-wl-03': the salt of its password_hash is binary", stderr, StringComparison.Ordinal);
            Assert.Contains("gardencity registry hash-password", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ShippedBootstrapFile_IsValidForTheDevelopmentPasswordsAndMatchesEmqxConf()
    {
        string conf = await File.ReadAllTextAsync(Path.Combine(EmqxDir, "emqx.conf"), TestContext.Current.CancellationToken);
        int iterations = int.Parse(IterationsSetting().Match(conf).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("bootstrap_file = \"${EMQX_ETC_DIR}/gardencity/users.json\"", conf, StringComparison.Ordinal);
        Assert.Contains("bootstrap_type = hash", conf, StringComparison.Ordinal);
        Assert.Contains("path = \"${EMQX_ETC_DIR}/gardencity/acl.conf\"", conf, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(EmqxDir, "users.json"), TestContext.Current.CancellationToken));
        StationRegistry registry = StationRegistryLoader.LoadFile(Path.Combine(Repo.Root, "deploy", "stations.yaml"));
        var ids = json.RootElement.EnumerateArray().Select(u => u.GetProperty("user_id").GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Subset(ids, registry.Stations.Select(s => s.Id).ToHashSet(StringComparer.Ordinal));
        Assert.Contains("gardencity-ingest", ids);
        Assert.Contains("gardencity-alerting", ids);
        foreach (JsonElement user in json.RootElement.EnumerateArray())
        {
            Assert.True(EmqxAccepts(user, iterations, "gc-dev-" + user.GetProperty("user_id").GetString()), user.GetProperty("user_id").GetString());
        }
    }

    [Fact]
    public async Task EmqxAcl_ShippedFileIsTheGeneratedOne_AndReadsBackAsTheRulesOfTheEmbeddedBroker()
    {
        var (code, acl, stderr) = await GardenCity("registry", "emqx-acl");

        Assert.True(code == 0, stderr);
        Assert.Equal(acl, await File.ReadAllTextAsync(Path.Combine(EmqxDir, "acl.conf"), TestContext.Current.CancellationToken));
        List<object> rules = ErlangTerms.Parse(acl);
        Assert.Equal(
            [
                "{allow,{username,\"gardencity-ingest\"},subscribe,[\"gc/v1/#\"]}",
                "{allow,{username,\"gardencity-ingest\"},publish,[\"gc/v1/dead-letter/#\",\"gc/v1/alerts/#\",\"gc/v1/cmd/#\"]}",
                "{allow,{username,\"gardencity-alerting\"},subscribe,[\"gc/v1/#\"]}",
                "{allow,{username,\"gardencity-alerting\"},publish,[\"gc/v1/dead-letter/#\",\"gc/v1/alerts/#\",\"gc/v1/cmd/#\"]}",
                "{allow,all,publish,[\"gc/v1/+/${username}/+\"]}",
                "{allow,all,subscribe,[\"gc/v1/cmd/${username}/#\"]}",
                "{deny,all}",
            ],
            rules.Select(ErlangTerms.Show));
    }

    [Fact]
    public async Task EmqxAclPerStation_EachStationWritesOnlyItsKindAndIdAndReadsItsCommands()
    {
        var (code, acl, stderr) = await GardenCity("registry", "emqx-acl", "--per-station", "--service", "gardencity-ingest");

        Assert.True(code == 0, stderr);
        string[] rules = [.. ErlangTerms.Parse(acl).Select(ErlangTerms.Show)];
        StationRegistry registry = StationRegistryLoader.LoadFile(Path.Combine(Repo.Root, "deploy", "stations.yaml"));
        Assert.Equal(2 + (2 * registry.Count) + 1, rules.Length);
        foreach (Station station in registry.Stations)
        {
            Assert.Contains($"{{allow,{{username,\"{station.Id}\"}},publish,[\"gc/v1/{station.Kind.ToWireName()}/{station.Id}/+\"]}}", rules);
            Assert.Contains($"{{allow,{{username,\"{station.Id}\"}},subscribe,[\"gc/v1/cmd/{station.Id}/#\"]}}", rules);
        }

        Assert.Equal("{deny,all}", rules[^1]);
    }

    [GeneratedRegex("    password_hash: \"[^\"]*\"")]
    private static partial Regex PasswordHashLine();

    [GeneratedRegex(@"iterations\s*=\s*(\d+)")]
    private static partial Regex IterationsSetting();

    /// <summary>
    /// The subset of Erlang's term syntax EMQX's acl.conf uses (file:consult): terms ending in '.', tuples, lists, atoms,
    /// double-quoted strings, '%' comments. Anything else fails the test.
    /// </summary>
    private static class ErlangTerms
    {
        public static List<object> Parse(string text)
        {
            var terms = new List<object>();
            int i = 0;
            while (true)
            {
                Skip(text, ref i);
                if (i == text.Length)
                {
                    return terms;
                }

                terms.Add(Term(text, ref i));
                Skip(text, ref i);
                Assert.True(i < text.Length && text[i] == '.', $"'.' expected at {i}");
                i++;
            }
        }

        /// <summary>A term written back without spaces: tuples {..}, lists [..], strings quoted, atoms bare.</summary>
        public static string Show(object term) => term switch
        {
            string s => s,
            Str s => "\"" + s.Value + "\"",
            Tuple t => "{" + string.Join(',', t.Items.Select(Show)) + "}",
            List l => "[" + string.Join(',', l.Items.Select(Show)) + "]",
            _ => throw new InvalidOperationException(),
        };

        private static object Term(string text, ref int i)
        {
            Skip(text, ref i);
            char c = text[i];
            if (c is '{' or '[')
            {
                char close = c == '{' ? '}' : ']';
                i++;
                var items = new List<object>();
                Skip(text, ref i);
                if (text[i] != close)
                {
                    while (true)
                    {
                        items.Add(Term(text, ref i));
                        Skip(text, ref i);
                        if (text[i] == close)
                        {
                            break;
                        }

                        Assert.True(text[i] == ',', $"',' or '{close}' expected at {i}: {text[i..Math.Min(text.Length, i + 20)]}");
                        i++;
                    }
                }

                i++;
                return c == '{' ? new Tuple(items) : new List(items);
            }

            if (c == '"')
            {
                var sb = new StringBuilder();
                for (i++; text[i] != '"'; i++)
                {
                    if (text[i] == '\\')
                    {
                        i++;
                    }

                    sb.Append(text[i]);
                }

                i++;
                return new Str(sb.ToString());
            }

            int start = i;
            while (i < text.Length && (char.IsAsciiLetterLower(text[i]) || (i > start && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))))
            {
                i++;
            }

            Assert.True(i > start, $"a term expected at {start}: {text[start..Math.Min(text.Length, start + 20)]}");
            return text[start..i];
        }

        private static void Skip(string text, ref int i)
        {
            while (i < text.Length)
            {
                if (char.IsWhiteSpace(text[i]))
                {
                    i++;
                }
                else if (text[i] == '%')
                {
                    while (i < text.Length && text[i] != '\n')
                    {
                        i++;
                    }
                }
                else
                {
                    break;
                }
            }
        }

        private sealed record Str(string Value);

        private sealed record Tuple(List<object> Items);

        private sealed record List(List<object> Items);
    }
}
