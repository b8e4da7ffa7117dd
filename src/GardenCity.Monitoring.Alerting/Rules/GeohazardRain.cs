namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>Which rain a geohazard threshold compares: the current event's R, or the effective rainfall P_a + R.</summary>
public enum GeohazardRain
{
    /// <summary>R, the current event's cumulative rain.</summary>
    Event,

    /// <summary>R_e = P_a + R, antecedent effective precipitation plus the event.</summary>
    Effective,
}
