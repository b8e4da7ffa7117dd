using GardenCity.Monitoring.IntegrationTests.Infrastructure;

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
        Assert.Contains("GARDENCITY_GardenCity__Influx__Version: V2", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerCompose_WithoutSecrets_IsRefusedNamingTheVariable()
    {
        var (code, _, stderr) = await Repo.RunAsync("/usr/bin/env", ["-u", "GC_INFLUX_TOKEN", "-u", "GC_INFLUX_PASSWORD", "docker-compose", "-f", Path.Combine(Repo.Root, "docker-compose.yml"), "config", "-q"]);

        Assert.NotEqual(0, code);
        Assert.Contains("GC_INFLUX_", stderr, StringComparison.Ordinal);
    }
}
