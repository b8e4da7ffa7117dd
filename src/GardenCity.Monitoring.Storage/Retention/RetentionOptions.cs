using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Storage.Retention;

/// <summary>
/// How long raw readings are kept and where what is kept for ever goes (section <c>GardenCity:Retention</c>,
/// docs/retention.md). Read by every role: ingestion creates the retention policies (InfluxDB 1.x), alerting and the
/// API write and read the kept-for-ever data, alerting runs the hourly downsampling job.
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Retention";

    /// <summary>
    /// How long raw readings are kept: the duration given to the raw retention policy when it is created on InfluxDB
    /// 1.x (never applied to a policy that exists: docs/retention.md, "Existing installations"), and the age past which
    /// the query API reads the hourly aggregates. Whole hours, at least 2 days. On InfluxDB 2.x and 3 Core the operator
    /// sets the same figure as the bucket's or database's retention.
    /// </summary>
    /// <value>The default value is 90 days.</value>
    public TimeSpan RawDuration { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// Retention policy of what is kept for ever, created with <c>DURATION INF</c> on InfluxDB 1.x when
    /// <see cref="InfluxOptions.CreateDatabase"/> is true. On InfluxDB 2.x: the <c>rp</c> of a DBRP mapping to a bucket
    /// with infinite retention. Empty: the database's default policy (InfluxDB 3 Core, which has none, or the
    /// <see cref="InfluxApiVersion.V2"/> writer, which has one bucket).
    /// </summary>
    /// <value>The default value is <c>forever</c>.</value>
    public string ForeverPolicy { get; set; } = "forever";

    /// <summary>
    /// Database of what is kept for ever; empty for <see cref="InfluxOptions.Database"/>. InfluxDB 3 Core keeps retention
    /// per database, so there this names a second database without a retention period (e.g. <c>gardencity_forever</c>).
    /// </summary>
    /// <value>The default value is empty.</value>
    public string ForeverDatabase { get; set; } = string.Empty;

    /// <summary>Run the hourly downsampling job in this process (alerting role only; docs/retention.md, "The job").</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Downsample { get; set; } = true;

    /// <summary>How often the downsampling job runs a cycle.</summary>
    /// <value>The default value is 10 minutes.</value>
    public TimeSpan DownsampleInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How far back each cycle re-aggregates completed hours, so readings that arrive late (a station's backlog after an
    /// outage) are folded into their hours. Whole hours, at least 2 hours, less than <see cref="RawDuration"/> minus a
    /// day. Set it once to (nearly) <see cref="RawDuration"/> to aggregate everything an existing installation has.
    /// </summary>
    /// <value>The default value is 48 hours.</value>
    public TimeSpan DownsampleLookBack { get; set; } = TimeSpan.FromHours(48);

    /// <summary>The database of <paramref name="target"/>.</summary>
    public string DatabaseOf(InfluxTarget target, InfluxOptions influx)
    {
        ArgumentNullException.ThrowIfNull(influx);
        return target == InfluxTarget.Forever && ForeverDatabase.Length > 0 ? ForeverDatabase : influx.Database;
    }

    /// <summary>The retention policy of <paramref name="target"/>; empty for the database default.</summary>
    public string PolicyOf(InfluxTarget target, InfluxOptions influx)
    {
        ArgumentNullException.ThrowIfNull(influx);
        return target == InfluxTarget.Forever ? ForeverPolicy : influx.RetentionPolicy;
    }

    /// <summary>Whether raw and kept-for-ever data are in the same place (then nothing may expire there).</summary>
    public bool SamePlace(InfluxOptions influx) =>
        DatabaseOf(InfluxTarget.Forever, influx) == DatabaseOf(InfluxTarget.Raw, influx) && ForeverPolicy == (influx ?? throw new ArgumentNullException(nameof(influx))).RetentionPolicy;
}
