using System.Text.Json;

namespace GardenCity.Monitoring.Host.Tests;

/// <summary>
/// The runtime settings the benchmarks chose (bench/README.md, "Tiered compilation" and "Thread-pool spinning") reach the executable's
/// runtimeconfig.json, which is what `dotnet gardencity.dll`, the Docker images and the systemd units all run.
/// </summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void Gardencity_CompilesMethodsWithoutPrecompiledCodeOptimisedAtTheirFirstCall()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "gardencity.runtimeconfig.json");
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(path));

        JsonElement properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation.QuickJit", out JsonElement quickJit), $"{path} has no QuickJit setting");
        Assert.False(quickJit.GetBoolean());
    }

    [Fact]
    public void Gardencity_ThreadPoolWorkersSleepWithoutSpinning()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "gardencity.runtimeconfig.json");
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(path));

        JsonElement properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out JsonElement limit), $"{path} has no thread-pool spin limit");
        Assert.Equal("0", limit.ValueKind == JsonValueKind.String ? limit.GetString() : limit.GetRawText());
    }
}
