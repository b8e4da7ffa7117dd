namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>
/// Where a write or query goes (docs/retention.md): the raw readings, kept <see cref="Retention.RetentionOptions.RawDuration"/>,
/// or what is kept for ever (alert history, reviews, fire weather, geohazard figures, the hourly aggregates and the
/// camera-trap copies). Each is a database and retention policy sent as <c>db=</c> and <c>rp=</c>; InfluxQL statements
/// name measurements unqualified, so one statement reads the same on InfluxDB 1.x, 2.x (DBRP mapping) and 3 Core.
/// </summary>
public enum InfluxTarget
{
    /// <summary><see cref="InfluxOptions.Database"/> and <see cref="InfluxOptions.RetentionPolicy"/>: what ingestion writes.</summary>
    Raw,

    /// <summary><see cref="Retention.RetentionOptions.ForeverDatabase"/> (or the database) and <see cref="Retention.RetentionOptions.ForeverPolicy"/>.</summary>
    Forever,
}
