using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Messaging.Broker;
using Microsoft.Extensions.Time.Testing;

namespace GardenCity.Monitoring.Messaging.Tests.Broker;

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
        (PrincipalKind kind, _, string reason) = _authorizer.Authenticate(clientId, user, password);

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

public sealed class BrokerAuthorizerLoginCostTests
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));
    private readonly FakeTimeProvider _time = new();

    private BrokerAuthorizer Create(int perSource = 1000, int perUser = 1000) =>
        new(Registry, [new BrokerAccount { Username = "alerting-1", PasswordHash = PasswordHasher.Hash("s3cret", 10_000) }], "internal-pw",
            new FailedLoginLimiter(perSource, perUser, TimeSpan.FromMinutes(1), _time));

    [Theory]
    [InlineData("ghost-01", "ghost-01", "gc-dev-ghost-01")] // no such station
    [InlineData("bhs-ct-07", "bhs-ct-07", "gc-dev-bhs-ct-08")] // a station, wrong password
    [InlineData("w1", "alerting-1", "wrong")] // a service account, wrong password
    [InlineData("w1", "nobody-at-all", "wrong")] // no such account
    [InlineData("w2", BrokerAuthorizer.InternalUser, "internal-px")] // the internal account, wrong password
    public void Authenticate_Refused_CostsExactlyOnePbkdf2WhetherTheIdExistsOrNot(string clientId, string user, string password)
    {
        BrokerAuthorizer authorizer = Create();

        LoginResult result = authorizer.Authenticate(clientId, user, password, "10.0.0.1");

        Assert.Equal(LoginFailure.BadCredentials, result.Failure);
        Assert.Equal("bad user name or password", result.Reason);
        Assert.Equal(1, authorizer.PasswordHashChecks);
    }

    [Fact]
    public void Authenticate_StormFromOneSource_RefusedWithoutPbkdf2OnceItsAllowanceIsSpentAndAgainAfterTheWindow()
    {
        BrokerAuthorizer authorizer = Create(perSource: 3);

        LoginFailure[] storm = Enumerable.Range(0, 10).Select(i => authorizer.Authenticate("x" + i, "guess-" + i, "pw", "10.0.0.1").Failure).ToArray();

        Assert.Equal(3, storm.Count(f => f == LoginFailure.BadCredentials));
        Assert.Equal(7, storm.Count(f => f == LoginFailure.RateLimited));
        Assert.Equal(3, authorizer.PasswordHashChecks);
        Assert.Equal(LoginFailure.None, authorizer.Authenticate("bhs-ct-07", "bhs-ct-07", "gc-dev-bhs-ct-07", "10.0.0.2").Failure); // another source
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(LoginFailure.BadCredentials, authorizer.Authenticate("x", "guess", "pw", "10.0.0.1").Failure);
    }

    [Fact]
    public void Authenticate_StormOnAStationsId_TheStationWithItsKnownPasswordStillLogsInWithoutPbkdf2()
    {
        BrokerAuthorizer authorizer = Create(perUser: 2);
        Assert.Equal(LoginFailure.None, authorizer.Authenticate("qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01", "10.0.0.9").Failure);

        LoginFailure[] storm = Enumerable.Range(0, 5).Select(i => authorizer.Authenticate("qs-wl-01", "qs-wl-01", "guess" + i, "10.0.0." + (20 + i)).Failure).ToArray();
        long checks = authorizer.PasswordHashChecks;
        LoginResult station = authorizer.Authenticate("qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01", "10.0.0.9");

        Assert.Equal([LoginFailure.BadCredentials, LoginFailure.BadCredentials, LoginFailure.RateLimited, LoginFailure.RateLimited, LoginFailure.RateLimited], storm);
        Assert.Equal(LoginFailure.None, station.Failure);
        Assert.Equal(PrincipalKind.Station, station.Kind);
        Assert.Equal(checks, authorizer.PasswordHashChecks);
    }

    [Fact]
    public void Authenticate_SuccessfulLogins_DoNotUseUpTheAllowance()
    {
        BrokerAuthorizer authorizer = Create(perSource: 1, perUser: 1);

        // Each station is new (a PBKDF2 each), all from one source with an allowance of 1: successes give their token back.
        string[] ids = ["qs-wl-01", "bhs-ct-07", "bhs-ct-01"];
        LoginFailure[] results = ids.Select(id => authorizer.Authenticate(id, id, "gc-dev-" + id, "10.0.0.1").Failure).ToArray();

        Assert.All(results, f => Assert.Equal(LoginFailure.None, f));
        Assert.Equal(3, authorizer.PasswordHashChecks);
    }

    [Fact]
    public void Authenticate_ServiceAccountWithAStationsClientId_Refused()
    {
        BrokerAuthorizer authorizer = Create();

        Assert.Equal(LoginFailure.ClientIdNotValid, authorizer.Authenticate("qs-wl-01", "alerting-1", "s3cret").Failure);
        Assert.Equal(LoginFailure.ClientIdNotValid, authorizer.Authenticate("qs-wl-01", BrokerAuthorizer.InternalUser, "internal-pw").Failure);
        Assert.Equal(LoginFailure.None, authorizer.Authenticate(BrokerAuthorizer.InternalUser, "alerting-1", "s3cret").Failure);
    }

    [Fact]
    public void MayPublish_ServiceAccountWhateverItsClientId_NeverAStationReading()
    {
        BrokerAuthorizer authorizer = Create();

        // The broker asks by the authenticated user name only; a service account's client id changes nothing.
        Assert.False(authorizer.MayPublish("alerting-1", "gc/v1/water-level/qs-wl-01/telemetry"));
        Assert.False(authorizer.MayPublish(BrokerAuthorizer.InternalUser, "gc/v1/water-level/qs-wl-01/telemetry"));
    }
}
