using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Spool;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.IntegrationTests;

public sealed class DeploymentFilesTests
{
    [Fact]
    public async Task DockerCompose_WithSecretsSet_IsValid()
    {
        string compose = ServerProcess.Find("docker-compose", "/usr/bin/docker-compose");
        var (code, stdout, stderr) = await Repo.RunAsync("/usr/bin/env", ["GC_INFLUX_TOKEN=test-token", "GC_INFLUX_PASSWORD=test-password", compose, "-f", Path.Combine(Repo.Root, "docker-compose.yml"), "config"]);

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
    /// silences, audit and alert history) lies on a named volume, so recreating a container keeps exactly what the
    /// spool and the outbox exist to keep. A setting left out of the compose file counts with its default, relative to
    /// the image's working directory.
    /// </summary>
    [Fact]
    public void DockerCompose_EveryDirectoryAServiceWrites_IsOnANamedVolume()
    {
        string text = File.ReadAllText(Path.Combine(Repo.Root, "docker-compose.yml"));
        string workDir = File.ReadLines(Path.Combine(Repo.Root, "deploy", "Dockerfile")).Last(l => l.StartsWith("WORKDIR ", StringComparison.Ordinal))["WORKDIR ".Length..].Trim();
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var named = ((YamlMappingNode)root.Children[new YamlScalarNode("volumes")]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(StringComparer.Ordinal);
        (string Key, string Default)[] written =
        [
            ("GardenCity__Spool__Directory", new SpoolOptions().Directory),
            ("GardenCity__DeadLetter__Directory", new DeadLetterOptions().Directory),
            ("GardenCity__Alerting__StateDirectory", new AlertingOptions().StateDirectory),
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
