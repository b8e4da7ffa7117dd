using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Spool;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.IntegrationTests;

public sealed class DeploymentFilesTests
{
    [Fact]
    public async Task DockerCompose_WithSecretsSet_IsValid()
    {
        string compose = ServerProcess.Find("docker-compose", "/usr/bin/docker-compose");
        var (code, stdout, stderr) = await Repo.RunAsync("/usr/bin/env", [.. Secrets, compose, "-f", Path.Combine(Repo.Root, "docker-compose.yml"), "config"]);

        Assert.True(code == 0, stderr);
        Assert.Contains("influxdb:2.7", stdout, StringComparison.Ordinal);
        Assert.Contains("GARDENCITY_GardenCity__Influx__Version: V1", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("GARDENCITY_GardenCity__Influx__Version: V2", stdout, StringComparison.Ordinal);
        Assert.Contains("GARDENCITY_GardenCity__Influx__CreateDatabase: \"false\"", stdout, StringComparison.Ordinal);
        Assert.Contains("GARDENCITY_GardenCity__Influx__Token: test-token", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerCompose_WithoutSecrets_IsRefusedNamingTheVariable()
    {
        var (code, _, stderr) = await Repo.RunAsync("/usr/bin/env", ["-u", "GC_INFLUX_TOKEN", "-u", "GC_INFLUX_PASSWORD", "docker-compose", "-f", Path.Combine(Repo.Root, "docker-compose.yml"), "config", "-q"]);

        Assert.NotEqual(0, code);
        Assert.Contains("GC_INFLUX_", stderr, StringComparison.Ordinal);
    }

    /// <summary>Each secret the compose file requires is refused by name when it is missing (the others set).</summary>
    [Theory]
    [InlineData("GC_TLS_PFX_PASSWORD")]
    [InlineData("GC_GRAFANA_PASSWORD")]
    public async Task DockerCompose_WithoutOneSecret_IsRefusedNamingIt(string variable)
    {
        var (code, _, stderr) = await Repo.RunAsync("/usr/bin/env", ["-u", variable, .. Secrets.Where(s => !s.StartsWith(variable + "=", StringComparison.Ordinal)), "docker-compose", "-f", Path.Combine(Repo.Root, "docker-compose.yml"), "config", "-q"]);

        Assert.NotEqual(0, code);
        Assert.Contains(variable, stderr, StringComparison.Ordinal);
    }

    /// <summary>Paths with secrets that .dockerignore keeps out of the build context.</summary>
    private static readonly string[] NeverInAnImage = [".env", "deploy/tls/certs"];

    /// <summary>The secrets docker-compose.yml requires, as docs/deployment.md lists them (deploy/compose.env.example).</summary>
    private static readonly string[] Secrets = ["GC_INFLUX_TOKEN=test-token", "GC_INFLUX_PASSWORD=test-password", "GC_TLS_PFX_PASSWORD=test-pfx", "GC_GRAFANA_PASSWORD=test-grafana"];

    private static YamlMappingNode ComposeServices()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Repo.Root, "docker-compose.yml"))));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("services")];
    }

    /// <summary>
    /// The ingestion workers share one MQTT 5 shared subscription (docs/scale-out.md): at least two, the same
    /// GardenCity:Mqtt:SharedGroup, each its own client id (two members with one id take the session from each other)
    /// and its own named volume (a spool is never shared by two workers).
    /// </summary>
    [Fact]
    public void DockerCompose_IngestionWorkers_ShareOneSubscriptionWithOwnClientIdsAndVolumes()
    {
        var members = new List<(string Name, string Group, string ClientId, string Volume)>();
        foreach ((YamlNode name, YamlNode node) in ComposeServices().Children)
        {
            var service = (YamlMappingNode)node;
            if (!service.Children.TryGetValue(new YamlScalarNode("command"), out YamlNode? command) || !((YamlSequenceNode)command).Children.Any(c => ((YamlScalarNode)c).Value == "ingest"))
            {
                continue;
            }

            var env = ((YamlMappingNode)service.Children[new YamlScalarNode("environment")]).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value!, StringComparer.Ordinal);
            string volume = ((YamlSequenceNode)service.Children[new YamlScalarNode("volumes")]).Children.Select(v => ((YamlScalarNode)v).Value!)
                .Single(v => v.EndsWith(":/var/lib/gardencity", StringComparison.Ordinal)).Split(':')[0];
            members.Add((((YamlScalarNode)name).Value!, env.GetValueOrDefault("GARDENCITY_GardenCity__Mqtt__SharedGroup") ?? "(not set)", env.GetValueOrDefault("GARDENCITY_GardenCity__Mqtt__ClientId") ?? "(default)", volume));
        }

        string listing = string.Join("\n", members);
        Assert.True(members.Count >= 2, listing);
        Assert.True(members.Select(m => m.Group).Distinct().Count() == 1 && members[0].Group.Length > 0 && members[0].Group != "(not set)", "one shared group for all:\n" + listing);
        Assert.True(members.Select(m => m.ClientId).Distinct().Count() == members.Count && !members.Any(m => m.ClientId == "(default)"), "a client id each:\n" + listing);
        Assert.True(members.Select(m => m.Volume).Distinct().Count() == members.Count, "a volume each:\n" + listing);
    }

    /// <summary>Every bind mount of the compose file (a source path, not a named volume) is a file or folder in deploy/.</summary>
    [Fact]
    public void DockerCompose_EveryBindMount_ExistsUnderDeploy()
    {
        string deploy = Path.Combine(Repo.Root, "deploy") + Path.DirectorySeparatorChar;
        var problems = new List<string>();
        int binds = 0;
        foreach ((YamlNode name, YamlNode node) in ComposeServices().Children)
        {
            if (!((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode("volumes"), out YamlNode? volumes))
            {
                continue;
            }

            foreach (string mount in ((YamlSequenceNode)volumes).Children.Select(m => ((YamlScalarNode)m).Value!))
            {
                string source = mount.Split(':')[0];
                if (!source.StartsWith('.') && !source.StartsWith('/'))
                {
                    continue; // a named volume
                }

                binds++;
                string full = Path.GetFullPath(Path.Combine(Repo.Root, source));
                if (!full.StartsWith(deploy, StringComparison.Ordinal))
                {
                    problems.Add($"{name}: {mount} mounts {full}, outside deploy/");
                }
                else if (!File.Exists(full) && !Directory.Exists(full))
                {
                    problems.Add($"{name}: {mount} mounts {full}, which does not exist");
                }
            }
        }

        Assert.True(binds >= 8, $"only {binds} bind mounts found");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// deploy/docker/Dockerfile cannot be built here (no Docker engine): checked statically. A build stage on the SDK,
    /// and every target the compose file builds runs as a non-root user with a health check on /healthz at the port
    /// of GardenCity:Health:Url (the simulator, which serves nothing, with an explicit HEALTHCHECK NONE).
    /// </summary>
    [Fact]
    public void Dockerfile_TargetsOfTheComposeFile_AreMultiStageNonRootWithHealthChecks()
    {
        string[] lines = [.. File.ReadAllLines(Path.Combine(Repo.Root, "deploy", "docker", "Dockerfile")).Where(l => l.Length > 0 && !l.StartsWith('#'))];
        // Stages: name -> (base, instructions).
        var stages = new Dictionary<string, (string Base, List<string> Lines)>(StringComparer.Ordinal);
        string? current = null;
        foreach (string line in lines)
        {
            Match from = Regex.Match(line, @"^FROM\s+(\S+)\s+AS\s+(\S+)$");
            if (line.StartsWith("FROM ", StringComparison.Ordinal))
            {
                Assert.True(from.Success, $"every stage is named: {line}");
                current = from.Groups[2].Value;
                stages[current] = (from.Groups[1].Value, []);
            }
            else
            {
                stages[current!].Lines.Add(line);
            }
        }

        Assert.True(stages.TryGetValue("build", out var build) && build.Base.StartsWith("mcr.microsoft.com/dotnet/sdk:", StringComparison.Ordinal), "a build stage FROM the .NET SDK");
        Assert.Contains(build.Lines, l => l.Contains("dotnet publish", StringComparison.Ordinal));

        // An instruction of a target: its own, else its base stage's (the last one wins, as in Docker).
        string? Effective(string stage, string instruction) =>
            stages[stage].Lines.LastOrDefault(l => l.StartsWith(instruction + " ", StringComparison.Ordinal))
            ?? (stages.ContainsKey(stages[stage].Base) ? Effective(stages[stage].Base, instruction) : null);

        var problems = new List<string>();
        int targets = 0;
        foreach ((YamlNode name, YamlNode node) in ComposeServices().Children)
        {
            var service = (YamlMappingNode)node;
            if (!service.Children.TryGetValue(new YamlScalarNode("build"), out YamlNode? b))
            {
                continue;
            }

            var buildNode = (YamlMappingNode)b;
            Assert.Equal("deploy/docker/Dockerfile", ((YamlScalarNode)buildNode.Children[new YamlScalarNode("dockerfile")]).Value);
            string target = ((YamlScalarNode)buildNode.Children[new YamlScalarNode("target")]).Value!;
            targets++;
            if (!stages.ContainsKey(target) || target == "build")
            {
                problems.Add($"{name}: target {target} is not a runtime stage");
                continue;
            }

            string? user = Effective(target, "USER");
            if (user is null || user is "USER root" or "USER 0" || user.StartsWith("USER 0:", StringComparison.Ordinal))
            {
                problems.Add($"{name}: target {target} runs as {user ?? "root (no USER)"}");
            }

            if (!lines.Any(l => l.StartsWith("COPY --from=build ", StringComparison.Ordinal)))
            {
                problems.Add("no stage copies from the build stage");
            }

            string? health = Effective(target, "HEALTHCHECK");
            bool runsGardenCity = service.Children.TryGetValue(new YamlScalarNode("command"), out YamlNode? command) && ((YamlSequenceNode)command).Children.Any(c => ((YamlScalarNode)c).Value == "run");
            if (runsGardenCity)
            {
                string healthUrl = ((YamlScalarNode)((YamlMappingNode)service.Children[new YamlScalarNode("environment")]).Children[new YamlScalarNode("GARDENCITY_GardenCity__Health__Url")]).Value!;
                string port = new Uri(healthUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (health is null || !health.Contains($"http://127.0.0.1:{port}/healthz", StringComparison.Ordinal))
                {
                    problems.Add($"{name}: target {target} has no HEALTHCHECK on /healthz at port {port} of GardenCity:Health:Url ({health ?? "none"})");
                }

                if (service.Children.TryGetValue(new YamlScalarNode("read_only"), out YamlNode? ro) ? ((YamlScalarNode)ro).Value != "true" : true)
                {
                    problems.Add($"{name}: no read_only: true");
                }
            }
            else if (health is null)
            {
                problems.Add($"{name}: target {target} says nothing about its health (HEALTHCHECK NONE if it serves nothing)");
            }
        }

        // The build stage copies the whole context: the secrets next to the compose file must not be in it.
        string[] ignored = [.. File.ReadLines(Path.Combine(Repo.Root, ".dockerignore")).Select(l => l.Trim())];
        problems.AddRange(NeverInAnImage.Where(p => !ignored.Contains(p)).Select(p => $".dockerignore does not exclude {p}"));

        Assert.True(targets >= 3, $"only {targets} services built from the Dockerfile");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// Issue 18: every <c>gardencity run</c> service talks to InfluxDB 2.7 through the 1.x-compatible API the real-server
    /// tests cover (V1 with the token, no InfluxQL CREATE DATABASE), and its database is the bucket InfluxDB's setup
    /// creates, so that the virtual DBRP mapping (bucket named like the database) routes writes and queries to it.
    /// </summary>
    [Fact]
    public void DockerCompose_GardenCityServices_UseTheV1ApiWithTokenOnTheSetUpBucket()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Repo.Root, "docker-compose.yml"))));
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("services")];
        Dictionary<string, string> Environment(YamlNode service) =>
            ((YamlMappingNode)((YamlMappingNode)service).Children[new YamlScalarNode("environment")]).Children
                .ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value!, StringComparer.Ordinal);
        string bucket = Environment(services.Children[new YamlScalarNode("influxdb")])["DOCKER_INFLUXDB_INIT_BUCKET"];
        var problems = new List<string>();
        int checkedServices = 0;
        foreach ((YamlNode name, YamlNode node) in services.Children)
        {
            var service = (YamlMappingNode)node;
            if (!service.Children.TryGetValue(new YamlScalarNode("command"), out YamlNode? command) || !((YamlSequenceNode)command).Children.Any(c => ((YamlScalarNode)c).Value == "run"))
            {
                continue;
            }

            checkedServices++;
            Dictionary<string, string> env = Environment(service);
            (string Key, string Expected)[] expected =
            [
                ("Version", "V1"),
                ("Url", "http://influxdb:8086"),
                ("Database", bucket),
                ("Token", "${GC_INFLUX_TOKEN:?set GC_INFLUX_TOKEN}"),
                ("CreateDatabase", "false"),
            ];
            foreach ((string key, string value) in expected)
            {
                string actual = env.GetValueOrDefault("GARDENCITY_GardenCity__Influx__" + key) ?? "(not set)";
                if (actual != value)
                {
                    problems.Add($"{name}: GardenCity:Influx:{key} is {actual}, expected {value}");
                }
            }

            problems.AddRange(env.Keys.Where(k => k is "GARDENCITY_GardenCity__Influx__Org" or "GARDENCITY_GardenCity__Influx__Bucket" or "GARDENCITY_GardenCity__Influx__Username")
                .Select(k => $"{name}: {k} is set, but the V1 path with a token does not use it"));
        }

        Assert.True(checkedServices >= 2, $"expected the ingest and alerting services, found {checkedServices}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// Every directory a GardenCity service writes (spool, dead letters, alerting state with the outbox, escalation,
    /// silences, audit and alert history, the startup profile) lies on a named volume, so recreating a container keeps exactly what the
    /// spool and the outbox exist to keep. A setting left out of the compose file counts with its default, relative to
    /// the image's working directory.
    /// </summary>
    [Fact]
    public void DockerCompose_EveryDirectoryAServiceWrites_IsOnANamedVolume()
    {
        string text = File.ReadAllText(Path.Combine(Repo.Root, "docker-compose.yml"));
        string workDir = File.ReadLines(Path.Combine(Repo.Root, "deploy", "docker", "Dockerfile")).Last(l => l.StartsWith("WORKDIR ", StringComparison.Ordinal))["WORKDIR ".Length..].Trim();
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var named = ((YamlMappingNode)root.Children[new YamlScalarNode("volumes")]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(StringComparer.Ordinal);
        (string Key, string Default)[] written =
        [
            ("GardenCity__Spool__Directory", new SpoolOptions().Directory),
            ("GardenCity__DeadLetter__Directory", new DeadLetterOptions().Directory),
            ("GardenCity__Alerting__StateDirectory", new AlertingOptions().StateDirectory),
            ("GardenCity__StartupProfileDirectory", new GardenCity.Monitoring.Host.HostingOptions().StartupProfileDirectory),
        ];
        var problems = new List<string>();
        int checkedServices = 0;
        foreach ((YamlNode name, YamlNode node) in ((YamlMappingNode)root.Children[new YamlScalarNode("services")]).Children)
        {
            var service = (YamlMappingNode)node;
            if (!service.Children.TryGetValue(new YamlScalarNode("image"), out YamlNode? image) || !((YamlScalarNode)image).Value!.StartsWith("gardencity-monitoring", StringComparison.Ordinal)
                || service.Children.ContainsKey(new YamlScalarNode("entrypoint")))
            {
                continue; // not a `gardencity run` service (the simulator has its own entry point and writes nothing)
            }

            checkedServices++;
            var environment = service.Children.TryGetValue(new YamlScalarNode("environment"), out YamlNode? env)
                ? ((YamlMappingNode)env).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value!, StringComparer.Ordinal)
                : [];
            var mounts = service.Children.TryGetValue(new YamlScalarNode("volumes"), out YamlNode? v)
                ? ((YamlSequenceNode)v).Children.Select(m => ((YamlScalarNode)m).Value!.Split(':')).Where(m => named.Contains(m[0])).Select(m => m[1].TrimEnd('/')).ToList()
                : [];
            foreach ((string key, string fallback) in written)
            {
                string value = environment.GetValueOrDefault("GARDENCITY_" + key) ?? fallback;
                string path = Path.IsPathRooted(value) ? value : workDir.TrimEnd('/') + "/" + value;
                if (!mounts.Any(m => path == m || path.StartsWith(m + "/", StringComparison.Ordinal)))
                {
                    problems.Add($"{name}: {key.Replace("__", ":", StringComparison.Ordinal)} = {path} is not on a named volume (mounts: {string.Join(", ", mounts)})");
                }
            }
        }

        Assert.True(checkedServices >= 2, $"expected the ingest and alerting services, found {checkedServices}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
