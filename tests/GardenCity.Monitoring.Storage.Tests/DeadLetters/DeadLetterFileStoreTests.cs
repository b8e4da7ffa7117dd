using System.Text.Json;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Storage.DeadLetters;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GardenCity.Monitoring.Storage.Tests.DeadLetters;

public sealed class DeadLetterFileStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-dlq-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task AppendAsync_TwoBatchesOnTwoDays_WritesJsonLinesPerUtcDay()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2023, 7, 31, 23, 59, 0, TimeSpan.Zero));
        var store = new DeadLetterFileStore(Options.Create(new DeadLetterOptions { Directory = _dir }), time);
        var rejection = new Rejection("gc/v1/weather/qs-wx-01/telemetry", "weather", "qs-wx-01", RejectionReason.OutOfRange, "'values.rain_mm' is -3", 1, """{"seq":2}""");

        await store.AppendAsync([DeadLetter.From(rejection, time.GetUtcNow())], TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMinutes(2));
        await store.AppendAsync([DeadLetter.From(rejection, time.GetUtcNow()), DeadLetter.From(rejection, time.GetUtcNow())], TestContext.Current.CancellationToken);

        string[] first = await File.ReadAllLinesAsync(Path.Combine(_dir, "dead-letter-20230731.jsonl"), TestContext.Current.CancellationToken);
        string[] second = await File.ReadAllLinesAsync(Path.Combine(_dir, "dead-letter-20230801.jsonl"), TestContext.Current.CancellationToken);
        Assert.Single(first);
        Assert.Equal(2, second.Length);
        using JsonDocument doc = JsonDocument.Parse(first[0]);
        Assert.Equal("out-of-range", doc.RootElement.GetProperty("reason_code").GetString());
        Assert.Equal("qs-wx-01", doc.RootElement.GetProperty("station_id").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("sample_index").GetInt32());
        Assert.Equal("""{"seq":2}""", doc.RootElement.GetProperty("payload").GetString());
        Assert.Equal("utf-8", doc.RootElement.GetProperty("payload_encoding").GetString());
    }

    [Fact]
    public void OutputTopic_KnownStation_IsDeadLetterTopic()
    {
        var letter = DeadLetter.From(new Rejection("t", "fire", "mfs-fire-01", RejectionReason.MissingSeq, "d", 0, "{}"), DateTimeOffset.UnixEpoch);

        Assert.Equal("gc/v1/dead-letter/fire/mfs-fire-01", letter.OutputTopic);
    }
}
