using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>Which InfluxDB API to write through.</summary>
public enum InfluxApiVersion
{
    /// <summary>InfluxDB 1.x: <c>/write</c> and <c>/query</c> with a database and retention policy.</summary>
    V1,

    /// <summary>InfluxDB 2.x (or 3.x): InfluxDB.Client with token, organisation and bucket; queries through the v1-compatibility <c>/query</c>.</summary>
    V2,
}

/// <summary>Where readings are stored. Secrets (<see cref="Password"/>, <see cref="Token"/>) are never logged.</summary>
public sealed class InfluxOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Influx";

    /// <summary>API generation of the server.</summary>
    /// <value>The default value is <see cref="InfluxApiVersion.V1"/>.</value>
    public InfluxApiVersion Version { get; set; } = InfluxApiVersion.V1;

    /// <summary>Base URL of the server.</summary>
    /// <value>The default value is <c>http://127.0.0.1:8086</c>.</value>
    [Required]
    [Url]
    public string Url { get; set; } = "http://127.0.0.1:8086";

    /// <summary>v1: database name; v2: the database name mapped to the bucket for InfluxQL queries (DBRP).</summary>
    /// <value>The default value is <c>gardencity</c>.</value>
    [Required]
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string Database { get; set; } = "gardencity";

    /// <summary>v1: retention policy to write to; empty for the database default.</summary>
    /// <value>The default value is empty.</value>
    [RegularExpression("^[A-Za-z0-9_.-]{0,64}$")]
    public string RetentionPolicy { get; set; } = string.Empty;

    /// <summary>v1: user name, if authentication is on.</summary>
    /// <value>The default value is empty (no authentication).</value>
    public string Username { get; set; } = string.Empty;

    /// <summary>v1: password, if authentication is on.</summary>
    /// <value>The default value is empty.</value>
    public string Password { get; set; } = string.Empty;

    /// <summary>v2: API token.</summary>
    /// <value>The default value is empty.</value>
    public string Token { get; set; } = string.Empty;

    /// <summary>v2: organisation.</summary>
    /// <value>The default value is empty.</value>
    public string Org { get; set; } = string.Empty;

    /// <summary>v2: bucket.</summary>
    /// <value>The default value is empty.</value>
    public string Bucket { get; set; } = string.Empty;

    /// <summary>v1: create the database at start if it does not exist.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool CreateDatabase { get; set; } = true;

    /// <summary>Timeout of one HTTP request to InfluxDB.</summary>
    /// <value>The default value is 10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Timeout of one write attempt. A write that takes longer counts as a failure (for the retry and for the circuit
    /// breaker, which so opens on a hanging server as on one that refuses connections).
    /// </summary>
    /// <value>The default value is 2 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a batch may wait for InfluxDB, retries included, before it goes to the local spool instead. Messages are
    /// acknowledged only once their batch is durable, so this bounds how long a hanging InfluxDB holds PUBACKs (and, in
    /// one process with the embedded broker, how late the alerting worker sees a reading).
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan SpoolAfter { get; set; } = TimeSpan.FromSeconds(5);
}
