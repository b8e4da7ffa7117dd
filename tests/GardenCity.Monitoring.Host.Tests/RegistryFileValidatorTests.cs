using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host.Tests;

public sealed class RegistryFileValidatorTests
{
    [Fact]
    public void Validate_ShippedRegistry_Succeeds() =>
        Assert.True(new RegistryFileValidator().Validate(null, new HostingOptions { RegistryPath = Path.Combine(AppContext.BaseDirectory, "stations.yaml") }).Succeeded);

    [Fact]
    public void Validate_MissingFile_FailsNamingThePath()
    {
        ValidateOptionsResult result = new RegistryFileValidator().Validate(null, new HostingOptions { RegistryPath = "/nonexistent/stations.yaml" });

        Assert.True(result.Failed);
        Assert.Contains("/nonexistent/stations.yaml", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BrokenField_FailsNamingFileLineAndField()
    {
        string file = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.yaml");
        string text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "stations.yaml")).Replace("    lat: 39.9636\n", "    lat: 95.5\n", StringComparison.Ordinal);
        File.WriteAllText(file, text);
        try
        {
            ValidateOptionsResult result = new RegistryFileValidator().Validate(null, new HostingOptions { RegistryPath = file });

            Assert.True(result.Failed);
            Assert.Contains($"{file}:", result.FailureMessage, StringComparison.Ordinal);
            Assert.Contains("(yd-wl-03).lat': 95.5 is outside -90 .. 90", result.FailureMessage, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Validate_EmptyPath_SkipsForRequiredToReport() =>
        Assert.True(new RegistryFileValidator().Validate(null, new HostingOptions { RegistryPath = string.Empty }).Skipped);

    [Fact]
    public void AddHosting_StartValidatesRegistryAndPolicyThenServesIt_FileParsedOnce()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GardenCity:RegistryPath"] = Path.Combine(AppContext.BaseDirectory, "stations.yaml"),
            ["GardenCity:Quality:PolicyFile"] = Path.Combine(AppContext.BaseDirectory, "quality.yaml"),
        }).Build());
        services.AddHosting();
        using ServiceProvider provider = services.BuildServiceProvider();
        using var error = new StringWriter();

        Assert.True(ConfigurationErrors.Validate(provider, error), error.ToString());
        StationRegistry registry = provider.GetRequiredService<StationRegistry>();
        _ = provider.GetRequiredService<QualityPolicy>();

        RegistryFileSource source = provider.GetRequiredService<RegistryFileSource>();
        Assert.Equal(34, registry.Count);
        Assert.Same(source.Load(Path.Combine(AppContext.BaseDirectory, "stations.yaml")), registry); // the one validated, not a second load
        Assert.Equal(1, source.Parses);
    }

    [Fact]
    public void Validate_FileChangedAfterAGoodLoad_LoadsItAgainAndReportsTheProblem()
    {
        string file = Path.Combine(Path.GetTempPath(), $"changed-{Guid.NewGuid():N}.yaml");
        string text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));
        File.WriteAllText(file, text);
        try
        {
            var source = new RegistryFileSource();
            var validator = new RegistryFileValidator(source);
            Assert.True(validator.Validate(null, new HostingOptions { RegistryPath = file }).Succeeded);
            Assert.True(validator.Validate(null, new HostingOptions { RegistryPath = file }).Succeeded);
            Assert.Equal(1, source.Parses);

            File.WriteAllText(file, text.Replace("    lat: 39.9636\n", "    lat: 95.5\n", StringComparison.Ordinal));
            ValidateOptionsResult result = validator.Validate(null, new HostingOptions { RegistryPath = file });

            Assert.True(result.Failed);
            Assert.Contains("(yd-wl-03).lat': 95.5 is outside -90 .. 90", result.FailureMessage, StringComparison.Ordinal);
            Assert.Equal(2, source.Parses);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
