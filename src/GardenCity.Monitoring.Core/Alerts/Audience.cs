namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>Who an alert is for; routes MQTT topics and webhooks.</summary>
public enum Audience
{
    /// <summary>Emergency staff (flood, rainstorm, fire); these alerts also go out as CAP 1.2.</summary>
    Emergency,

    /// <summary>Ecologists and reserve staff (species).</summary>
    Ecology,

    /// <summary>Maintenance (station health).</summary>
    Maintenance,
}
