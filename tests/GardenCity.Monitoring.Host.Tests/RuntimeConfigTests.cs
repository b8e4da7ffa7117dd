using System.Text.Json;

namespace GardenCity.Monitoring.Host.Tests;

/// <summary>
/// The runtime settings the benchmarks chose (bench/README.md, "Tiered compilation", "Thread-pool spinning" and "Batches of 2,000, a queue of 10,000, and recompiling only what is hot") reach the executable's
/// runtimeconfig.json, which is what `dotnet gardencity.dll`, the Docker images and the systemd units all run.
/// </summary>
public sealed class RuntimeConfigTests
{
    private static readonly string ConfigPath = Path.Combine(AppContext.BaseDirectory, "gardencity.runtimeconfig.json");

    [Fact]
    public void Gardencity_CompilesMethodsWithoutPrecompiledCodeOptimisedAtTheirFirstCall()
    {
        JsonElement quickJit = Setting("System.Runtime.TieredCompilation.QuickJit");
        Assert.False(quickJit.GetBoolean());
    }

    [Fact]
    public void Gardencity_ThreadPoolWorkersSleepWithoutSpinning()
    {
        Assert.Equal("0", NumberText(Setting("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit")));
    }

    [Fact]
    public void Gardencity_RecompilesOnlyMethodsCalledAThousandTimes()
    {
        Assert.Equal("1000", NumberText(Setting("System.Runtime.TieredCompilation.CallCountThreshold")));
    }

    /// <summary>A number setting as written, whether MSBuild wrote it as a JSON number or a string.</summary>
    private static string? NumberText(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();

    /// <summary>The setting's value in runtimeconfig.json's configProperties; fails the test, naming file and setting, when it is absent.</summary>
    private static JsonElement Setting(string name)
    {
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(ConfigPath));
        JsonElement properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.TryGetProperty(name, out JsonElement value), $"{ConfigPath} has no {name} setting");
        return value.Clone();
    }
}
