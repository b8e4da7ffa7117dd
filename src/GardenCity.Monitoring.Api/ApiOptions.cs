using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GardenCity.Monitoring.Api;

/// <summary>
/// What an API key may do. Responder and reviewer each include reader; admin includes everything; responder and
/// reviewer do not include each other (a duty officer does not verify leopards, an ecologist does not close flood
/// alerts). Only reviewer and admin see the exact locations of camera traps (docs/ecology.md).
/// </summary>
public enum ApiRole
{
    /// <summary>No access.</summary>
    None = 0,

    /// <summary>Read everything.</summary>
    Reader = 1,

    /// <summary>Read, and acknowledge alerts.</summary>
    Responder = 2,

    /// <summary>Everything.</summary>
    Admin = 3,

    /// <summary>Read, see exact camera-trap locations, and confirm, correct or reject detections of sensitive species (docs/ecology.md).</summary>
    Reviewer = 4,
}

/// <summary>An API key: a name (recorded as who acknowledged), its role and the SHA-256 of the key (hex).</summary>
public sealed class ApiKey
{
    /// <summary>Who holds the key, e.g. <c>duty-officer-li</c>.</summary>
    [Required]
    [RegularExpression(@"^[\p{L}\p{N}._ -]{1,64}$")]
    public string Name { get; set; } = string.Empty;

    /// <summary>reader, responder, reviewer or admin.</summary>
    public ApiRole Role { get; set; } = ApiRole.Reader;

    /// <summary>Lower-case hex SHA-256 of the key, from <c>gardencity api new-key</c>; the key itself is never stored.</summary>
    [Required]
    [RegularExpression("^[0-9a-f]{64}$")]
    public string KeyHash { get; set; } = string.Empty;

    /// <summary>
    /// When the key stops working (an ISO 8601 time with its offset, e.g. <c>2027-06-30T18:00:00+08:00</c>).
    /// <value>The default value is empty</value>: the key does not expire.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>
    /// True: the key is refused (401, recorded in the audit as <c>api.key.refused</c>) though it stays listed, so the
    /// audit can still name whose key was tried. Takes effect when the API (re)starts. <value>The default value is false.</value>
    /// </summary>
    public bool Revoked { get; set; }
}

/// <summary>Settings of the query API (<c>GardenCity:Api</c>).</summary>
public sealed class ApiOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "GardenCity:Api";

    /// <summary>
    /// Where the API and dashboard listen: http, or https with <see cref="CertificatePath"/> (docker-compose.yml serves
    /// https). <value>The default value is http://127.0.0.1:8080.</value>
    /// </summary>
    [Required]
    [Url]
    public string Url { get; set; } = "http://127.0.0.1:8080";

    /// <summary>PKCS#12 (.pfx) server certificate with its key, required when <see cref="Url"/> is https (<c>deploy/tls/make-certs.sh</c> makes one). <value>The default value is empty.</value></summary>
    public string CertificatePath { get; set; } = string.Empty;

    /// <summary>Password of <see cref="CertificatePath"/>; never logged. <value>The default value is empty.</value></summary>
    public string CertificatePassword { get; set; } = string.Empty;

    /// <summary>Role of a request without a key. <value>The default value is None</value> (a key is required).</summary>
    public ApiRole AnonymousRole { get; set; } = ApiRole.None;

    /// <summary>The keys.</summary>
    [Microsoft.Extensions.Options.ValidateEnumeratedItems]
    public List<ApiKey> Keys { get; } = [];

    /// <summary>Longest time range of one request. <value>The default value is 366 days.</value></summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3660.00:00:00")]
    public TimeSpan MaxRange { get; set; } = TimeSpan.FromDays(366);

    /// <summary>Most points of one series response (the window is chosen so). <value>The default value is 2000.</value></summary>
    [Range(10, 100_000)]
    public int MaxPoints { get; set; } = 2000;

    /// <summary>A station silent longer than this is shown offline. <value>The default value is 1 hour.</value></summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Exports (CSV, Camtrap DP) running at once; more wait in the export queue. <value>The default value is 2.</value>
    /// </summary>
    [Range(1, 64)]
    public int MaxConcurrentExports { get; set; } = 2;

    /// <summary>Exports waiting for a turn; beyond that a request gets 503 with Retry-After. <value>The default value is 4.</value></summary>
    [Range(0, 1000)]
    public int ExportQueueLength { get; set; } = 4;

    /// <summary>
    /// Other InfluxDB-backed requests (stations, series, species) running at once; more wait in the query queue.
    /// <value>The default value is 16.</value>
    /// </summary>
    [Range(1, 1024)]
    public int MaxConcurrentQueries { get; set; } = 16;

    /// <summary>Queries waiting for a turn; beyond that a request gets 503 with Retry-After. <value>The default value is 64.</value></summary>
    [Range(0, 10_000)]
    public int QueryQueueLength { get; set; } = 64;

    /// <summary>
    /// Requests to <c>/api/*</c> per minute and key: per key name for a valid key, per client address for a key that
    /// is not valid (guessing); requests without a key (<see cref="AnonymousRole"/>) are bounded by the concurrency
    /// limits only, since behind a reverse proxy they all share one address. A token bucket; beyond it 429 with
    /// Retry-After. 0 switches the limit off. <value>The default value is 1200.</value>
    /// </summary>
    [Range(0, 1_000_000)]
    public int RequestsPerMinute { get; set; } = 1200;

    /// <summary>How many requests a key may make at once above the steady rate (the bucket's size). <value>The default value is 600.</value></summary>
    [Range(1, 1_000_000)]
    public int RequestBurst { get; set; } = 600;

    /// <summary>Retry-After of a 503 (a full queue, InfluxDB unreachable or timed out). <value>The default value is 10 seconds.</value></summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Map tiles of the dashboard: a URL template with <c>{z}</c>, <c>{x}</c> and <c>{y}</c> (and optionally <c>{s}</c>),
    /// e.g. a deployment's own tile server. <value>The default value is empty</value>: no tiles, the offline station and
    /// watershed view only (the dashboard loads nothing from outside).
    /// </summary>
    public string MapTileUrl { get; set; } = string.Empty;

    /// <summary>Attribution shown under the tiles (required by most tile providers' terms). <value>The default value is empty.</value></summary>
    [MaxLength(300)]
    public string MapAttribution { get; set; } = string.Empty;

    /// <summary>The listener's own rules beyond the annotations: <see cref="Url"/> is http or https with a port, https with a certificate file.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(Url))
        {
            if (!Uri.TryCreate(Url, UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https") || url.Port <= 0)
            {
                yield return new ValidationResult($"{SectionName}:Url '{Url}' is not an http(s) URL with a port (e.g. http://127.0.0.1:8080, or https://0.0.0.0:8443 with {SectionName}:CertificatePath).", [nameof(Url)]);
            }
            else if (url.Scheme == "https" && string.IsNullOrEmpty(CertificatePath))
            {
                yield return new ValidationResult($"{SectionName}:Url is https but {SectionName}:CertificatePath (a PKCS#12 file, e.g. from deploy/tls/make-certs.sh) is not set.", [nameof(CertificatePath)]);
            }
            else if (url.Scheme == "https" && !File.Exists(CertificatePath))
            {
                yield return new ValidationResult($"{SectionName}:CertificatePath '{CertificatePath}' does not exist (a PKCS#12 file, e.g. from deploy/tls/make-certs.sh).", [nameof(CertificatePath)]);
            }
            else if (url.Scheme == "https" && CertificateProblem() is string problem)
            {
                yield return new ValidationResult($"{SectionName}:CertificatePath '{CertificatePath}' cannot be used with {SectionName}:CertificatePassword: {problem} (a PKCS#12 file with its key and its password, e.g. server.pfx from deploy/tls/make-certs.sh and GC_TLS_PFX_PASSWORD).", [nameof(CertificatePassword)]);
            }
        }

        if (!string.IsNullOrEmpty(MapTileUrl) && (!Uri.TryCreate(MapTileUrl.Replace("{s}", "a", StringComparison.Ordinal), UriKind.Absolute, out Uri? tiles)
            || tiles.Scheme is not ("http" or "https") || !MapTileUrl.Contains("{z}", StringComparison.Ordinal) || !MapTileUrl.Contains("{x}", StringComparison.Ordinal) || !MapTileUrl.Contains("{y}", StringComparison.Ordinal)))
        {
            yield return new ValidationResult($"{SectionName}:MapTileUrl '{MapTileUrl}' is not an http(s) tile URL template with {{z}}, {{x}} and {{y}} (e.g. https://tiles.example.org/{{z}}/{{x}}/{{y}}.png); leave it empty for the offline map.", [nameof(MapTileUrl)]);
        }
    }

    /// <summary>Why <see cref="CertificatePath"/> cannot serve https (not PKCS#12, wrong password, no private key), or null. The message never holds the password.</summary>
    private string? CertificateProblem()
    {
        try
        {
            using X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, CertificatePassword);
            return certificate.HasPrivateKey ? null : "it holds no private key";
        }
        catch (CryptographicException ex)
        {
            return ex.Message;
        }
    }
}
