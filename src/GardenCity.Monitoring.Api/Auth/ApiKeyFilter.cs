using GardenCity.Monitoring.Core.Audit;
using GardenCity.Monitoring.Core.Time;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Auth;

/// <summary>
/// Resolves the caller from <c>X-Api-Key</c> (or <c>Authorization: Bearer</c>) against the configured key hashes
/// (<see cref="ApiCaller"/>) and refuses a request below <paramref name="required"/>: 401 without a valid key (unknown,
/// expired or revoked, each said so), 403 with a key of too low a role. A key's use goes into the audit (<see cref="ApiKeyAudit"/>).
/// </summary>
internal sealed class ApiKeyFilter(ApiRole required) : IEndpointFilter
{
    /// <summary>Key of the caller's name in <see cref="HttpContext.Items"/>.</summary>
    public const string CallerItem = "gardencity.caller";

    /// <summary>Key of the caller's <see cref="ApiRole"/> in <see cref="HttpContext.Items"/>.</summary>
    public const string RoleItem = "gardencity.role";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        HttpContext http = context.HttpContext;
        ApiOptions options = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
        DateTimeOffset now = (http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        ApiKeyAudit audit = http.RequestServices.GetRequiredService<ApiKeyAudit>();
        ApiCaller caller = ApiCaller.Of(http, options, now);
        switch (caller.Refusal)
        {
            case KeyRefusal.Unknown:
                return Problems.Status(StatusCodes.Status401Unauthorized, "The API key is not valid.");
            case KeyRefusal.Expired:
                audit.Seen(caller.Key!, AuditKinds.ApiKeyRefused, now, http.Request.Method, http.Request.Path, "expired");
                return Problems.Status(StatusCodes.Status401Unauthorized,
                    $"The API key '{caller.Key!.Name}' expired at {caller.Key.ExpiresAt!.Value.ToBeijingTime():yyyy-MM-dd HH:mm} (Beijing time); ask an administrator for a new key (gardencity api new-key).");
            case KeyRefusal.Revoked:
                audit.Seen(caller.Key!, AuditKinds.ApiKeyRefused, now, http.Request.Method, http.Request.Path, "revoked");
                return Problems.Status(StatusCodes.Status401Unauthorized, $"The API key '{caller.Key!.Name}' was revoked; ask an administrator for a new key.");
        }

        ApiRole role = caller.Key?.Role ?? options.AnonymousRole;
        string? name = caller.Key?.Name;
        if (!ApiRoles.Includes(role, required))
        {
            return !caller.Presented
                ? Problems.Status(StatusCodes.Status401Unauthorized, "An API key is required (header X-Api-Key).")
                : Problems.Status(StatusCodes.Status403Forbidden, $"This needs the {required.ToString().ToLowerInvariant()} role; the key '{name}' has {role.ToString().ToLowerInvariant()}.");
        }

        if (caller.Key is not null)
        {
            audit.Seen(caller.Key, AuditKinds.ApiKeyUsed, now, http.Request.Method, http.Request.Path, "used");
        }

        http.Items[CallerItem] = name ?? "anonymous";
        http.Items[RoleItem] = role;
        return await next(context).ConfigureAwait(false);
    }
}
