using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>Which InfluxDB API to write through.</summary>
public enum InfluxApiVersion
{
    /// <summary>
    /// <c>/write</c> and <c>/query</c> with a database and retention policy: native on InfluxDB 1.x, the v1-compatible
    /// API on InfluxDB 2.x and 3 Core (set <see cref="InfluxOptions.Token"/> and <see cref="InfluxOptions.CreateDatabase"/>
    /// false there). The recommended setting for every server generation, used by docker-compose.yml, and the only write
    /// path tested against a real server (docs/influxdb-schema.md, "Server generations").
    /// </summary>
    V1,

    /// <summary>
    /// Writes through InfluxDB.Client's <c>/api/v2/write</c> with token, organisation and bucket; queries still go through
    /// the v1-compatible <c>/query</c>. <b>Not tested against a real server</b>: no InfluxDB 2 or 3 server runs on the
    /// build and test machines (Debian ships only influxd 1.6), so only the shared point mapping is tested. Kept for
    /// installations that already use it; prefer <see cref="V1"/> with a token.
    /// </summary>
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

    /// <summary>
    /// The database of <c>/write</c> and <c>/query</c> (<c>db=</c>). InfluxDB 1.x: the database. InfluxDB 2.x: the
    /// database half of a DBRP mapping to the bucket (a bucket named like the database is mapped by InfluxDB itself).
    /// InfluxDB 3 Core: the database.
    /// </summary>
    /// <value>The default value is <c>gardencity</c>.</value>
    [Required]
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string Database { get; set; } = "gardencity";

    /// <summary>Retention policy of <c>/write</c> and <c>/query</c> (<c>rp=</c>); empty for the database default (on 2.x the default of the DBRP mapping; ignored by 3 Core).</summary>
    /// <value>The default value is empty.</value>
    [RegularExpression("^[A-Za-z0-9_.-]{0,64}$")]
    public string RetentionPolicy { get; set; } = string.Empty;

    /// <summary>InfluxDB 1.x user name, if authentication is on (HTTP Basic); not together with <see cref="Token"/>.</summary>
    /// <value>The default value is empty (no authentication).</value>
    public string Username { get; set; } = string.Empty;

    /// <summary>InfluxDB 1.x password, if authentication is on.</summary>
    /// <value>The default value is empty.</value>
    public string Password { get; set; } = string.Empty;

    /// <summary>
    /// API token (InfluxDB 2.x, 3 Core): sent as <c>Authorization: Token &lt;token&gt;</c> on every <c>/write</c> and
    /// <c>/query</c> request (and by the V2 writer); not together with <see cref="Username"/>. InfluxDB 1.x (1.6 at
    /// least) does not understand this scheme: use <see cref="Username"/> and <see cref="Password"/> there.
    /// </summary>
    /// <value>The default value is empty.</value>
    public string Token { get; set; } = string.Empty;

    /// <summary><see cref="InfluxApiVersion.V2"/> only: organisation.</summary>
    /// <value>The default value is empty.</value>
    public string Org { get; set; } = string.Empty;

    /// <summary><see cref="InfluxApiVersion.V2"/> only: bucket.</summary>
    /// <value>The default value is empty.</value>
    public string Bucket { get; set; } = string.Empty;

    /// <summary>
    /// Create the database at start (InfluxQL <c>CREATE DATABASE</c>) and again when a write finds it missing. InfluxDB
    /// 1.x only: set false for 2.x (the bucket exists) and 3 Core (it creates a database on the first write); neither
    /// has InfluxQL <c>CREATE DATABASE</c>.
    /// </summary>
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
