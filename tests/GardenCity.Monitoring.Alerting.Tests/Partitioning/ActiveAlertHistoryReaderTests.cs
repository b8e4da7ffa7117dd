using System.Text.Json;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Partitioning;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Alerting.Tests.Partitioning;

/// <summary>An <c>alert_event</c> row (grouped by rule and station, as the take-over queries it) read back as the alert in force.</summary>
public sealed class ActiveAlertHistoryReaderTests
{
    private static readonly DateTimeOffset Updated = new(2024, 7, 30, 1, 15, 0, TimeSpan.Zero);

    private static InfluxSeries Row(string transition, string id, params (string Column, object Value)[] extra)
    {
        (string Column, object Value)[] columns =
        [
            ("time", (Updated - DateTimeOffset.UnixEpoch).Ticks * 100), ("alert_id", id), ("audience", "emergency"), ("message_en", "en"),
            ("message_zh", "中"), ("peak", "red"), ("revision", 3), ("severity", "yellow"), ("site", "yongding-gorge"), ("threshold", 3.0),
            ("transition", transition), ("value", 3.3), .. extra,
        ];
        JsonElement[] values = [.. columns.Select(c => JsonSerializer.SerializeToElement(c.Value))];
        return new InfluxSeries("alert_event", new Dictionary<string, string> { ["rule"] = "flood", ["station"] = "yd-wl-01" }, [.. columns.Select(c => c.Column)], [values]);
    }

    [Fact]
    public void ToAlert_ActiveRowWithoutOptionalColumns_IsTheAlertAsOfItsLatestChange()
    {
        // No stale, acknowledged or closed columns: a history in which nothing ever went stale (a missing column once stopped the worker).
        Alert alert = ActiveAlertHistoryReader.ToAlert(Row("deescalated", "flood.yd-wl-01.20240730T002500Z"), 0)!;

        Assert.Equal(("flood.yd-wl-01.20240730T002500Z", "flood", "yd-wl-01", Audience.Emergency), (alert.Id, alert.RuleId, alert.StationId, alert.Audience));
        Assert.Equal((Severity.Yellow, Severity.Red, AlertStatus.Active, Transition.DeEscalated, 3), (alert.Severity, alert.PeakSeverity, alert.Status, alert.LastTransition, alert.Revision));
        Assert.Equal((new DateTimeOffset(2024, 7, 30, 0, 25, 0, TimeSpan.Zero), Updated), (alert.RaisedAt, alert.UpdatedAt));
        Assert.Equal((3.3, 3.0, "中", "en"), (alert.Value, alert.Threshold, alert.MessageZh, alert.MessageEn));
        Assert.False(alert.Stale);
        Assert.Null(alert.AcknowledgedBy);
    }

    [Fact]
    public void ToAlert_AcknowledgedStaleLateIncident_KeepsAllOfIt()
    {
        Alert alert = ActiveAlertHistoryReader.ToAlert(Row("lostcontact", "flood.yd-wl-01.20240730T002500Z-late",
            ("acknowledged_by", "Li Wei"), ("acknowledged_at", "2024-07-30T01:00:00.0000000+00:00"), ("stale", true), ("stale_since", "2024-07-30T00:40:00.0000000+00:00")), 0)!;

        Assert.Equal((Transition.LostContact, "Li Wei", true), (alert.LastTransition, alert.AcknowledgedBy, alert.Stale));
        Assert.Equal((new DateTimeOffset(2024, 7, 30, 1, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 7, 30, 0, 40, 0, TimeSpan.Zero)), (alert.AcknowledgedAt, alert.StaleSince));
        Assert.Equal(new DateTimeOffset(2024, 7, 30, 0, 25, 0, TimeSpan.Zero), alert.RaisedAt);
    }

    [Theory]
    [InlineData("resolved")]
    [InlineData("closed")]
    [InlineData("late")]
    [InlineData("no-such-transition")]
    public void ToAlert_EndedOrNotAChange_IsNone(string transition) =>
        Assert.Null(ActiveAlertHistoryReader.ToAlert(Row(transition, "flood.yd-wl-01.20240730T002500Z"), 0));

    [Fact]
    public void ToAlert_IdWithoutARaiseTime_IsNone() =>
        Assert.Null(ActiveAlertHistoryReader.ToAlert(Row("raised", "flood.yd-wl-01"), 0));
}
