using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Api;

/// <summary>What an API key may do; each role includes the ones before it.</summary>
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
}

/// <summary>An API key: a name (recorded as who acknowledged), its role and the SHA-256 of the key (hex).</summary>
public sealed class ApiKey
{
    /// <summary>Who holds the key, e.g. <c>duty-officer-li</c>.</summary>
    [Required]
    [RegularExpression(@"^[\p{L}\p{N}._ -]{1,64}$")]
    public string Name { get; set; } = string.Empty;

    /// <summary>reader, responder or admin.</summary>
    public ApiRole Role { get; set; } = ApiRole.Reader;

    /// <summary>Lower-case hex SHA-256 of the key, from <c>gardencity api new-key</c>; the key itself is never stored.</summary>
    [Required]
    [RegularExpression("^[0-9a-f]{64}$")]
    public string KeyHash { get; set; } = string.Empty;
}

/// <summary>Settings of the query API (<c>GardenCity:Api</c>).</summary>
public sealed class ApiOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "GardenCity:Api";

    /// <summary>Where the API and dashboard listen. <value>The default value is http://127.0.0.1:8080.</value></summary>
    [Required]
    [Url]
    public string Url { get; set; } = "http://127.0.0.1:8080";

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
}
