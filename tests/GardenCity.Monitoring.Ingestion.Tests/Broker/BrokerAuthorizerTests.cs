using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Ingestion.Broker;

namespace GardenCity.Monitoring.Ingestion.Tests.Broker;

public sealed class BrokerAuthorizerTests
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));
    private readonly BrokerAuthorizer _authorizer = new(Registry, [new BrokerAccount { Username = "alerting-1", PasswordHash = PasswordHasher.Hash("s3cret", 10_000) }], "internal-pw");

    [Theory]
    [InlineData("bhs-ct-07", "bhs-ct-07", "gc-dev-bhs-ct-07", PrincipalKind.Station)]
    [InlineData("bhs-ct-07", "bhs-ct-07", "gc-dev-bhs-ct-08", PrincipalKind.None)]
    [InlineData("bhs-ct-07", "bhs-ct-07", null, PrincipalKind.None)]
    [InlineData("anything", null, null, PrincipalKind.None)]
    [InlineData("spoof", "bhs-ct-07", "gc-dev-bhs-ct-07", PrincipalKind.None)]
    [InlineData("ghost-01", "ghost-01", "gc-dev-ghost-01", PrincipalKind.None)]
    [InlineData("w1", "alerting-1", "s3cret", PrincipalKind.Service)]
    [InlineData("w1", "alerting-1", "wrong", PrincipalKind.None)]
    [InlineData("w2", BrokerAuthorizer.InternalUser, "internal-pw", PrincipalKind.Service)]
    [InlineData("w2", BrokerAuthorizer.InternalUser, "internal-px", PrincipalKind.None)]
    public void Authenticate_Credentials_IdentifiesOrRefuses(string clientId, string? user, string? password, PrincipalKind expected)
    {
        (PrincipalKind kind, string reason) = _authorizer.Authenticate(clientId, user, password);

        Assert.Equal(expected, kind);
        Assert.Equal(expected == PrincipalKind.None, reason.Length > 0);
    }

    [Fact]
    public void Authenticate_SameStationTwice_SecondIsServedFromTheCacheAndStillChecksThePassword()
    {
        Assert.Equal(PrincipalKind.Station, _authorizer.Authenticate("qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01").Kind);
        Assert.Equal(PrincipalKind.Station, _authorizer.Authenticate("qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01").Kind);
        Assert.Equal(PrincipalKind.None, _authorizer.Authenticate("qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-02").Kind);
    }

    [Theory]
    [InlineData("bhs-ct-07", "gc/v1/camera-trap/bhs-ct-07/event", true)]
    [InlineData("bhs-ct-07", "gc/v1/camera-trap/bhs-ct-07/status", true)]
    [InlineData("bhs-ct-07", "gc/v1/camera-trap/bhs-ct-08/event", false)]
    [InlineData("bhs-ct-07", "gc/v1/weather/bhs-ct-07/telemetry", false)]
    [InlineData("bhs-ct-07", "gc/v1/alerts/emergency/flood/yd-wl-03", false)]
    [InlineData("bhs-ct-07", "gc/v1/dead-letter/weather/qs-wx-01", false)]
    [InlineData("bhs-ct-07", "gc/v1/camera-trap/bhs-ct-07/diary", false)]
    [InlineData("bhs-ct-07", "elsewhere", false)]
    [InlineData("alerting-1", "gc/v1/alerts/emergency/flood/yd-wl-03", true)]
    [InlineData("alerting-1", "gc/v1/weather/qs-wx-01/telemetry", false)]
    [InlineData(null, "gc/v1/weather/qs-wx-01/telemetry", false)]
    public void MayPublish_Topic_OnlyOwnStationAndKindOrSystemOutputs(string? user, string topic, bool expected) =>
        Assert.Equal(expected, _authorizer.MayPublish(user, topic));

    [Theory]
    [InlineData("bhs-ct-07", "gc/v1/cmd/bhs-ct-07", true)]
    [InlineData("bhs-ct-07", "gc/v1/cmd/bhs-ct-07/#", true)]
    [InlineData("bhs-ct-07", "gc/v1/cmd/bhs-ct-07/reboot", true)]
    [InlineData("bhs-ct-07", "gc/v1/cmd/bhs-ct-07/+", false)]
    [InlineData("bhs-ct-07", "gc/v1/cmd/+", false)]
    [InlineData("bhs-ct-07", "gc/v1/cmd/bhs-ct-08/#", false)]
    [InlineData("bhs-ct-07", "gc/v1/#", false)]
    [InlineData("bhs-ct-07", "#", false)]
    [InlineData(BrokerAuthorizer.InternalUser, "gc/v1/#", true)]
    public void MaySubscribe_Filter_OnlyOwnCommandTopicForStations(string user, string filter, bool expected) =>
        Assert.Equal(expected, _authorizer.MaySubscribe(user, filter));
}
