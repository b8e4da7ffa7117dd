using System.Text.Json;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Storage.DeadLetters;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GardenCity.Monitoring.Storage.Tests.DeadLetters;

/// <summary>Issue 11 finding 5: one station sending 65 KB junk wrote 575 MB of dead letters in 10 s.</summary>
public sealed class DeadLetterBoundTests : IDisposable
{
    private const int JunkBytes = 65_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-dlq-bound-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2023, 7, 31, 10, 5, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private DeadLetterFileStore Store(long perStation, long total) =>
        new(Options.Create(new DeadLetterOptions { Directory = _dir, MaxBytesPerStationPerHour = perStation, MaxTotalBytes = total }), _time);

    private DeadLetter Junk(string station) =>
        DeadLetter.From(new Rejection($"gc/v1/weather/{station}/telemetry", "weather", station, RejectionReason.MalformedJson, "payload is not valid JSON: 'x' is an invalid start of a value", null, new string('x', JunkBytes)), _time.GetUtcNow());

    private DeadLetter Small(string station) =>
        DeadLetter.From(new Rejection($"gc/v1/weather/{station}/telemetry", "weather", station, RejectionReason.OutOfRange, "'values.rain_mm' is -3", 0, """{"seq":2}"""), _time.GetUtcNow());

    private long FolderBytes() => new DirectoryInfo(_dir).EnumerateFiles().Sum(f => f.Length);

    private int CopiedLines() => Directory.EnumerateFiles(_dir, "dead-letter-2*.jsonl").Sum(f => File.ReadLines(f).Count());

    private List<JsonElement> Summaries() => Directory.EnumerateFiles(_dir, "dead-letter-summary-*.jsonl")
        .SelectMany(File.ReadLines).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public async Task AppendAsync_StationFloodingJunk_StaysUnderItsHourlyBoundAndCountsTheRestInOneSummaryLine()
    {
        using DeadLetterFileStore store = Store(perStation: 1L << 20, total: 64L << 20);
        for (int batch = 0; batch < 40; batch++)
        {
            await store.AppendAsync(Enumerable.Range(0, 10).Select(_ => Junk("qs-wx-01")).ToList(), TestContext.Current.CancellationToken);
        }

        // 400 letters of ~65 KB = 26 MB offered; the station may write 1 MiB of copies.
        Assert.InRange(FolderBytes(), 1, (1L << 20) + 4096);
        int copied = CopiedLines();
        JsonElement summary = Assert.Single(Summaries());
        Assert.Equal(400, copied + summary.GetProperty("summarised").GetInt64());
        Assert.Equal("qs-wx-01", summary.GetProperty("station_id").GetString());
        Assert.Equal(400 - copied, summary.GetProperty("reasons").GetProperty("malformed-json").GetInt64());
        Assert.Equal(400 - copied, summary.GetProperty("bounds").GetProperty("station-per-hour").GetInt64());
        Assert.Equal(new DateTimeOffset(2023, 7, 31, 10, 0, 0, TimeSpan.Zero), summary.GetProperty("window_start").GetDateTimeOffset());
        Assert.Contains("not valid JSON", summary.GetProperty("first_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(["qs-wx-01"], store.Status.StationsOverBound);
    }

    [Fact]
    public async Task AppendAsync_OneStationOverItsBound_OtherStationsStillGetWholeCopies()
    {
        using DeadLetterFileStore store = Store(perStation: 256 * 1024, total: 64L << 20);
        for (int batch = 0; batch < 10; batch++)
        {
            await store.AppendAsync([.. Enumerable.Range(0, 5).Select(_ => Junk("qs-wx-01")), Small("zt-wx-01")], TestContext.Current.CancellationToken);
        }

        string[] lines = Directory.EnumerateFiles(_dir, "dead-letter-2*.jsonl").SelectMany(File.ReadLines).ToArray();
        Assert.Equal(10, lines.Count(l => l.Contains("\"zt-wx-01\"", StringComparison.Ordinal)));
        JsonElement summary = Assert.Single(Summaries());
        Assert.Equal("qs-wx-01", summary.GetProperty("station_id").GetString());
    }

    [Fact]
    public async Task AppendAsync_ManyStationsTogetherPastTheFolderBound_FolderStaysUnderItAndSummariesCountTheRest()
    {
        const long Total = 2L << 20;
        using DeadLetterFileStore store = Store(perStation: 1L << 20, total: Total);
        string[] stations = ["qs-wx-01", "zt-wx-01", "yc-wx-01", "mfs-wx-01", "wp-wx-01", "mtg-wx-01"];
        for (int batch = 0; batch < 20; batch++)
        {
            await store.AppendAsync(stations.Select(Junk).ToList(), TestContext.Current.CancellationToken);
        }

        Assert.InRange(FolderBytes(), 1, Total);
        List<JsonElement> summaries = Summaries();
        Assert.Equal(120, CopiedLines() + summaries.Sum(s => s.GetProperty("summarised").GetInt64()));
        Assert.Contains(summaries, s => s.GetProperty("bounds").TryGetProperty("directory-total", out _));
        Assert.True(store.Status.SizeBytes >= store.Status.CopyLimitBytes - JunkBytes - 1024);
    }

    [Fact]
    public async Task AppendAsync_FolderFull_StopsWritingEvenSummariesAndReportsFull()
    {
        const long Total = 64 * 1024;
        using DeadLetterFileStore store = Store(perStation: 1L << 20, total: Total);
        await File.WriteAllBytesAsync(Path.Combine(_dir, "left-by-operator.bin"), new byte[Total], TestContext.Current.CancellationToken);

        await store.AppendAsync([Small("qs-wx-01")], TestContext.Current.CancellationToken);

        Assert.Equal(Total, FolderBytes());
        Assert.True(store.Status.Full);
        Assert.Equal(1, store.Status.SummarisedThisWindow);
    }

    [Fact]
    public async Task AppendAsync_NextHour_StationGetsANewAllowanceAndANewSummaryLine()
    {
        using DeadLetterFileStore store = Store(perStation: 128 * 1024, total: 64L << 20);
        await store.AppendAsync(Enumerable.Range(0, 5).Select(_ => Junk("qs-wx-01")).ToList(), TestContext.Current.CancellationToken);
        int firstHour = CopiedLines();
        _time.Advance(TimeSpan.FromHours(1));
        await store.AppendAsync(Enumerable.Range(0, 5).Select(_ => Junk("qs-wx-01")).ToList(), TestContext.Current.CancellationToken);

        Assert.Equal(2 * firstHour, CopiedLines());
        List<JsonElement> summaries = Summaries();
        Assert.Equal(2, summaries.Count);
        Assert.Equal(10 - (2 * firstHour), summaries.Sum(s => s.GetProperty("summarised").GetInt64()));
    }

    [Fact]
    public async Task AppendAsync_AfterRestartSameHour_SummaryKeepsTheEarlierCounts()
    {
        using (DeadLetterFileStore first = Store(perStation: 64 * 1024, total: 64L << 20))
        {
            await first.AppendAsync(Enumerable.Range(0, 4).Select(_ => Junk("qs-wx-01")).ToList(), TestContext.Current.CancellationToken);
        }

        long before = Assert.Single(Summaries()).GetProperty("summarised").GetInt64();
        using DeadLetterFileStore second = Store(perStation: 64 * 1024, total: 64L << 20);
        await second.AppendAsync(Enumerable.Range(0, 4).Select(_ => Junk("qs-wx-01")).ToList(), TestContext.Current.CancellationToken);

        Assert.Equal(8, CopiedLines() + Assert.Single(Summaries()).GetProperty("summarised").GetInt64());
        Assert.True(before > 0);
    }

    [Fact]
    public async Task AppendAsync_UnknownStations_ShareOneAllowance()
    {
        using DeadLetterFileStore store = Store(perStation: 128 * 1024, total: 64L << 20);
        List<DeadLetter> letters = Enumerable.Range(0, 20).Select(i => DeadLetter.From(
            new Rejection($"gc/v1/weather/made-up-{i}/telemetry", "weather", $"made-up-{i}", RejectionReason.UnknownStation, "not in the registry", null, new string('x', JunkBytes)), _time.GetUtcNow())).ToList();

        await store.AppendAsync(letters, TestContext.Current.CancellationToken);

        JsonElement summary = Assert.Single(Summaries());
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("station_id").ValueKind);
        Assert.Equal(20, CopiedLines() + summary.GetProperty("summarised").GetInt64());
        Assert.InRange(CopiedLines(), 1, 2);
    }
}
