using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.DeadLetters;
using Microsoft.Extensions.DependencyInjection;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 11 finding 5: one authenticated station sending 65 KB junk wrote 575 MB of dead letters in 10 s, on the
/// spool's disk. Real Mosquitto, the real worker and its real dead-letter folder.
/// </summary>
public sealed class DeadLetterBoundTests(ServersFixture servers)
{
    [Fact]
    public async Task StationFlooding65KbJunk_DeadLetterFolderStaysUnderItsBoundAndSummariesCountTheRest()
    {
        const long PerStation = 1L << 20, Total = 4L << 20;
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, settings: new Dictionary<string, string?>
        {
            ["GardenCity:DeadLetter:MaxBytesPerStationPerHour"] = PerStation.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GardenCity:DeadLetter:MaxTotalBytes"] = Total.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using TestPublisher flooder = await TestPublisher.ConnectAsync(servers.Mosquitto.Port, "flood-" + ingestion.Database);
        byte[] junk = Encoding.UTF8.GetBytes(new string('x', 65_000)); // under the 64 KiB payload limit: copied whole
        const int Flood = 1_000; // 65 MB offered
        for (int i = 0; i < Flood; i++)
        {
            await flooder.PublishBytesAsync("gc/v1/weather/zt-wx-01/telemetry", junk);
        }

        await flooder.PublishAsync("gc/v1/weather/qs-wx-01/telemetry", """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"rain_mm":-3}}""");
        long Copies() => Directory.EnumerateFiles(ingestion.DeadLetterDir, "dead-letter-2*.jsonl").Sum(f => File.ReadLines(f).LongCount());
        long Summarised() => Directory.EnumerateFiles(ingestion.DeadLetterDir, "dead-letter-summary-*.jsonl").SelectMany(File.ReadLines)
            .Sum(l => JsonDocument.Parse(l).RootElement.GetProperty("summarised").GetInt64());
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(Copies() + Summarised() >= Flood + 1), TimeSpan.FromSeconds(120),
            () => $"{Copies()} copied + {Summarised()} summarised of {Flood + 1}", TestContext.Current.CancellationToken);

        long folder = new DirectoryInfo(ingestion.DeadLetterDir).EnumerateFiles().Sum(f => f.Length);
        Assert.InRange(folder, 1, PerStation + 4096); // the good station's single dead letter and the summary file besides
        Assert.Equal(Flood + 1, Copies() + Summarised());
        JsonElement summary = Assert.Single(Directory.EnumerateFiles(ingestion.DeadLetterDir, "dead-letter-summary-*.jsonl").SelectMany(File.ReadLines).Select(l => JsonDocument.Parse(l).RootElement.Clone()));
        Assert.Equal("zt-wx-01", summary.GetProperty("station_id").GetString());
        Assert.Equal(summary.GetProperty("summarised").GetInt64(), summary.GetProperty("reasons").GetProperty("malformed-json").GetInt64());
        Assert.Contains(File.ReadLines(Directory.EnumerateFiles(ingestion.DeadLetterDir, "dead-letter-2*.jsonl").Single()), l => l.Contains("\"qs-wx-01\"", StringComparison.Ordinal));
        Assert.Equal(["zt-wx-01"], ingestion.Host.Services.GetRequiredService<DeadLetterFileStore>().Status.StationsOverBound);
        TestContext.Current.SendDiagnosticMessage($"{Flood} x 65,000 B junk from one station: {Copies()} copied, {Summarised()} summarised, folder {folder} bytes (bound {PerStation} per station per hour)");
        lock (FaultToleranceTests.FiguresFile)
        {
            File.AppendAllText(FaultToleranceTests.FiguresFile, $"{DateTime.UtcNow:u} {TestContext.Current.Test?.TestDisplayName}: {Flood} x 65,000 B junk from one station: {Copies()} copied, {Summarised()} summarised, folder {folder} bytes (bound {PerStation} per station per hour)\n");
        }
    }
}
