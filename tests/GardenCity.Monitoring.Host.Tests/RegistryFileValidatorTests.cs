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
}
