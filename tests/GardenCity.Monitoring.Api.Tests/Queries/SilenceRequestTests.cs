using System.Text.Json;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Api.Tests.Queries;

/// <summary>The body of POST /api/v1/silences: each mistake names its field; emergency red alerts only for the admin role.</summary>
public sealed class SilenceRequestTests
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"检修","duration":"2h"}""", "Admin")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01","severity":"orange"},"reason":"检修","duration":"2h"}""", "Responder")]
    [InlineData("""{"matchers":{"audience":"maintenance"},"reason":"检修","duration":"2h"}""", "Responder")]
    public void Valid_IsAccepted(string body, string role)
    {
        SilenceRequest r = Parse(body, Enum.Parse<ApiRole>(role));

        Assert.Equal("检修", r.Reason);
        Assert.Equal((Now, Now.AddHours(2)), (r.StartsAt, r.EndsAt));
    }

    [Fact]
    public void AllFields_AreRead()
    {
        SilenceRequest r = Parse("""{"matchers":{"rule":"flood-level","station":"qs-wl-01","site":"lingshan","watershed":"qingshui","audience":"emergency","severity":"yellow"},"reason":"  闸门检修 ","starts_at":"2026-12-02T20:00:00+08:00","ends_at":"2026-12-03T06:00:00+08:00"}""", ApiRole.Responder);

        Assert.Equal(new SilenceMatchers("flood-level", "qs-wl-01", "lingshan", "qingshui", Audience.Emergency, Severity.Yellow), r.Matchers);
        Assert.Equal("闸门检修", r.Reason);
        Assert.Equal((new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 2, 22, 0, 0, TimeSpan.Zero)), (r.StartsAt.ToUniversalTime(), r.EndsAt.ToUniversalTime()));
    }

    [Theory]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"x","duration":"2h"}""")]
    [InlineData("""{"matchers":{"audience":"emergency"},"reason":"x","duration":"2h"}""")]
    [InlineData("""{"matchers":{"rule":"rainstorm-cma","severity":"red"},"reason":"x","duration":"2h"}""")]
    public void CoveringEmergencyRed_BelowAdmin_IsForbidden_SayingWhatToDo(string body)
    {
        var ex = Assert.Throws<SilenceForbiddenException>(() => Parse(body, ApiRole.Responder));

        Assert.Contains("admin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("responder-test", ex.Message, StringComparison.Ordinal);
        Assert.Contains("orange", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "(body)")]
    [InlineData("""{"reason":"x","duration":"2h"}""", "matchers")]
    [InlineData("""{"matchers":{},"reason":"x","duration":"2h"}""", "matchers")]
    [InlineData("""{"matchers":{"stat":"bhs-wx-01"},"reason":"x","duration":"2h"}""", "matchers.stat")]
    [InlineData("""{"matchers":{"station":"nowhere-01"},"reason":"x","duration":"2h"}""", "matchers.station")]
    [InlineData("""{"matchers":{"site":"moon"},"reason":"x","duration":"2h"}""", "matchers.site")]
    [InlineData("""{"matchers":{"watershed":"nile"},"reason":"x","duration":"2h"}""", "matchers.watershed")]
    [InlineData("""{"matchers":{"audience":"everyone"},"reason":"x","duration":"2h"}""", "matchers.audience")]
    [InlineData("""{"matchers":{"severity":"purple"},"reason":"x","duration":"2h"}""", "matchers.severity")]
    [InlineData("""{"matchers":{"rule":"a b"},"reason":"x","duration":"2h"}""", "matchers.rule")]
    [InlineData("""{"matchers":{"station":5},"reason":"x","duration":"2h"}""", "matchers.station")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"duration":"2h"}""", "reason")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"  ","duration":"2h"}""", "reason")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"x"}""", "ends_at")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"x","duration":"2h","ends_at":"2026-12-03T00:00:00Z"}""", "ends_at")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"x","duration":"soon"}""", "duration")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"x","duration":"31d"}""", "duration")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"x","ends_at":"2026-12-01T00:00:00Z"}""", "ends_at")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"x","ends_at":"tomorrow"}""", "ends_at")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"x","starts_at":"2026-12-04T00:00:00Z","ends_at":"2026-12-03T00:00:00Z"}""", "ends_at")]
    [InlineData("""{"matchers":{"station":"bhs-wx-01"},"reason":"x","duration":"2h","who":"me"}""", "who")]
    public void Invalid_NamesTheField(string body, string field)
    {
        var ex = Assert.Throws<BadParameterException>(() => Parse(body, ApiRole.Admin));

        Assert.Equal(field, ex.Parameter);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    private static SilenceRequest Parse(string body, ApiRole role)
    {
        using JsonDocument d = JsonDocument.Parse(body);
        return SilenceRequest.Parse(d.RootElement, Registry, Now, role, role.ToString().ToLowerInvariant() + "-test");
    }
}
