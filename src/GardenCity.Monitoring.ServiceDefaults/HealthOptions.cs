using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.ServiceDefaults;

/// <summary>The listener of the health endpoints and metrics (<c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>).</summary>
public sealed class HealthOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "GardenCity:Health";

    /// <summary>http or https URL with a port to serve the endpoints on; empty turns the endpoints (and metrics) off.</summary>
    /// <value>The default value is <c>http://127.0.0.1:9464</c>.</value>
    public string Url { get; set; } = "http://127.0.0.1:9464";

    /// <summary>PKCS#12 (.pfx) certificate, required when <see cref="Url"/> is https.</summary>
    /// <value>The default value is empty.</value>
    public string CertificatePath { get; set; } = string.Empty;

    /// <summary>Password of <see cref="CertificatePath"/>; never logged.</summary>
    /// <value>The default value is empty.</value>
    public string CertificatePassword { get; set; } = string.Empty;

    /// <summary>Whether the endpoints are served: <see langword="true"/> unless <see cref="Url"/> is empty.</summary>
    internal bool Enabled => Url.Length > 0;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Url, UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https") || url.Port <= 0)
        {
            yield return new ValidationResult($"{SectionName}:Url '{Url}' is not an http(s) URL (empty turns the endpoints off).", [nameof(Url)]);
        }
        else if (url.Scheme == "https" && string.IsNullOrEmpty(CertificatePath))
        {
            yield return new ValidationResult($"{SectionName}:Url is https but {SectionName}:CertificatePath (a PKCS#12 file) is not set.", [nameof(CertificatePath)]);
        }
    }
}
