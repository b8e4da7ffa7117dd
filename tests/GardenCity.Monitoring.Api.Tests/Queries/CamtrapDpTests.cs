using System.Text.Json;
using GardenCity.Monitoring.Api.Queries;

namespace GardenCity.Monitoring.Api.Tests.Queries;

/// <summary>
/// The parts of the Camtrap DP export that need no InfluxDB. The whole export is checked against the official schemas
/// in the integration tests (ApiTests, CamtrapDpSchemaTests).
/// </summary>
public sealed class CamtrapDpTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    /// <summary>Issue 12 finding 5: <c>to</c> is exclusive; its own date is not the last day.</summary>
    [Theory]
    [InlineData("2024-10-01T00:00:00+08:00", "2024-10-03T00:00:00+08:00", "2024-10-01", "2024-10-02")]
    [InlineData("2024-10-01T00:00:00+08:00", "2024-10-03T12:00:00+08:00", "2024-10-01", "2024-10-03")]
    [InlineData("2024-09-30T16:00:00Z", "2024-10-02T16:00:00Z", "2024-10-01", "2024-10-02")]
    public void Temporal_WithoutDeployments_IsThePeriodsFirstAndLastDay(string from, string to, string start, string end)
    {
        object temporal = CamtrapDp.Temporal(DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse(to, System.Globalization.CultureInfo.InvariantCulture), null, null);

        Assert.Equal($$"""{"start":"{{start}}","end":"{{end}}"}""", JsonSerializer.Serialize(temporal));
    }

    [Fact]
    public void Temporal_WithDeployments_IsTheirFirstAndLastDayInBeijingTime()
    {
        object temporal = CamtrapDp.Temporal(new(2024, 10, 1, 0, 0, 0, Beijing), new(2024, 10, 8, 0, 0, 0, Beijing), new(2024, 10, 1, 17, 0, 0, TimeSpan.Zero), new(2024, 10, 5, 15, 59, 0, TimeSpan.Zero));

        Assert.Equal("""{"start":"2024-10-02","end":"2024-10-05"}""", JsonSerializer.Serialize(temporal));
    }

    [Fact]
    public void MediaId_IsTheCameraAndTheTime_NotTheCamerasOwnEventId()
    {
        var t = new TriggerRecord(new DateTimeOffset(2024, 10, 1, 13, 0, 0, TimeSpan.Zero), "ls-ct-01", "IMG 0001", string.Empty, 0);

        Assert.Equal("ls-ct-01_20241001T210000", CamtrapDp.MediaId(t));
        Assert.Equal("ls-ct-01_20241001T210000.1234567", CamtrapDp.MediaId(t with { Time = t.Time.AddTicks(1_234_567) }));
        Assert.NotEqual(CamtrapDp.MediaId(t), CamtrapDp.MediaId(t with { Station = "ls-ct-02" }));
    }

    [Theory]
    [InlineData("IMG 0001", "", "media/ls-ct-01/IMG%200001.jpg", "IMG 0001.jpg", "")]
    [InlineData("a/../../etc", "", "media/ls-ct-01/a%2F%2E%2E%2F%2E%2E%2Fetc.jpg", "a/../../etc.jpg", "")]
    [InlineData("IMG 0002", "/sdcard/DCIM/IMG 0002.JPG", "media/ls-ct-01/IMG%200002.jpg", "IMG 0002.jpg", "image_uri as sent: /sdcard/DCIM/IMG 0002.JPG")]
    [InlineData("IMG 0003", "s3://camera-traps/ls-ct-01/IMG 0003.JPG", "s3://camera-traps/ls-ct-01/IMG 0003.JPG", "IMG 0003.JPG", "")]
    [InlineData("IMG 0004", "s3://x/../y.jpg", "media/ls-ct-01/IMG%200004.jpg", "IMG 0004.jpg", "image_uri as sent: s3://x/../y.jpg")]
    public void FileOf_KeepsOnlyPathsTheMediaSchemaAccepts(string eventId, string imageUri, string path, string fileName, string comment)
    {
        var t = new TriggerRecord(new DateTimeOffset(2024, 10, 1, 13, 0, 0, TimeSpan.Zero), "ls-ct-01", eventId, imageUri, 0);

        Assert.Equal((path, fileName, comment), CamtrapDp.FileOf(t));
    }
}
