using GardenCity.Monitoring.Alerting.Duty;

namespace GardenCity.Monitoring.Alerting.Tests.Duty.Escalation;

/// <summary>Delivery records carry the escalation tier; records written before tiers existed read back as tier 1.</summary>
public sealed class DeliveryTierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-delivery-tier-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SameChannelAndRecipientInTwoTiers_AreTwoDeliveries_AndOldRecordsAreTierOne()
    {
        File.WriteAllText(Path.Combine(_dir, "duty-deliveries.jsonl"),
            """{"notification_id":"a#1","alert_id":"a","channel":"sms","recipient":"wang","status":"sent","attempts":1,"at":"2026-12-01T00:00:00+00:00"}""" + "\n");
        var log = new DutyDeliveryLog(_dir);
        log.Record(new DutyDeliveryRecord("a#1", "a", "sms", "wang", DutyDeliveryStatus.Sent, 1, null, DateTimeOffset.UnixEpoch, Tier: 3));

        Assert.Equal([(1, "sent"), (3, "sent")], new DutyDeliveryLog(_dir).For("a").Select(d => (d.Tier, d.Status)));
    }
}
