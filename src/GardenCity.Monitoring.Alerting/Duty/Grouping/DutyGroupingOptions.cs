using System.ComponentModel.DataAnnotations;
using GardenCity.Monitoring.Core.Alerts;

namespace GardenCity.Monitoring.Alerting.Duty.Grouping;

/// <summary>
/// Grouping (<c>GardenCity:Duty:Grouping</c>): the duty-room deliveries to one channel and recipient, of one audience
/// and one watershed (or site), that come within a window go out as one message listing them (docs/duty-room.md,
/// "Grouping"). Machine endpoints (webhooks, MQTT, CAP) are never grouped. Off by default.
/// </summary>
public sealed class DutyGroupingOptions
{
    /// <summary>Whether deliveries are grouped. <value>The default value is false.</value></summary>
    public bool Enabled { get; set; }

    /// <summary>How long a group collects, from its first delivery. <value>The default value is 2 minutes.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The window per audience (<c>Emergency</c>, <c>Ecology</c>, <c>Maintenance</c>), instead of <see cref="Window"/>.</summary>
    public Dictionary<Audience, TimeSpan> AudienceWindows { get; } = [];

    /// <summary>
    /// From this colour on (<c>info</c> … <c>red</c>), a delivery uses <see cref="UrgentWindow"/> in groups of its own.
    /// <value>The default value is red.</value>
    /// </summary>
    [RegularExpression("^(info|blue|yellow|orange|red)$", ErrorMessage = "{0}: UrgentSeverity is info, blue, yellow, orange or red")]
    public string UrgentSeverity { get; set; } = "red";

    /// <summary>Window of urgent deliveries; zero: each goes out at once, alone. <value>The default value is zero.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan UrgentWindow { get; set; } = TimeSpan.Zero;

    /// <summary>What a group shares besides audience, channel and recipient: <c>Watershed</c> (the site where a station has none) or <c>Site</c>. <value>The default value is Watershed.</value></summary>
    public DutyGroupBy By { get; set; } = DutyGroupBy.Watershed;

    /// <summary>Most alerts listed in a robot or email message (the rest as "等N条"). <value>The default value is 10.</value></summary>
    [Range(1, 100)]
    public int MaxListed { get; set; } = 10;
}

/// <summary>What deliveries of one group share.</summary>
public enum DutyGroupBy
{
    /// <summary>The watershed; the site for a station without one.</summary>
    Watershed,

    /// <summary>The site.</summary>
    Site,
}
