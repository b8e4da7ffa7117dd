using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>
/// The made-up changes the start takes through the notification path (docs/alerting.md, "The first alert after a
/// start"): a raise and an escalation of an emergency rule as the engine makes them, which leave the engine untouched.
/// </summary>
public sealed class SpecimenTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 30, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Specimens_ShippedRules_AnEmergencyRaiseAtItsLowestLevelAndItsEscalationToItsHighest_EngineUntouched()
    {
        var engine = new AlertEngine(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, Now);

        IReadOnlyList<AlertChange> specimens = engine.Specimens(Now);

        Assert.Equal([Transition.Raised, Transition.Escalated], specimens.Select(c => c.Transition));
        (AlertChange raised, AlertChange escalated) = (specimens[0], specimens[1]);
        Assert.Equal(Audience.Emergency, raised.Rule.Audience);
        Assert.Equal(raised.Rule.Levels[0].Severity, raised.Alert.Severity);
        Assert.Equal(raised.Rule.Levels[^1].Severity, escalated.Alert.Severity);
        Assert.Equal((raised.Alert.Severity, raised.Alert.Id, 2), (escalated.Previous, escalated.Alert.Id, escalated.Alert.Revision));
        (string zh, string en) = escalated.Rule.Describe(Transition.Escalated, escalated.Station, escalated.Alert.Severity, raised.Alert.Severity, 1, 1, Now);
        Assert.Equal((zh, en), (escalated.Alert.MessageZh, escalated.Alert.MessageEn)); // the text a real escalation gets
        Assert.Equal(0, engine.ActiveCount);
        Assert.Empty(engine.Snapshot().Pairs);
    }
}
