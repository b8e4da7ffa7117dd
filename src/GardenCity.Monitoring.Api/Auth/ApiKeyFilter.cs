using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Auth;

/// <summary>
/// Resolves the caller from <c>X-Api-Key</c> (or <c>Authorization: Bearer</c>) against the configured key hashes and
/// refuses a request below <paramref name="required"/>: 401 without a valid key, 403 with a key of too low a role.
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
        string? presented = http.Request.Headers["X-Api-Key"].FirstOrDefault();
        string authorization = http.Request.Headers.Authorization.ToString();
        if (presented is null && authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }

        (ApiRole role, string? name) = presented is null ? (options.AnonymousRole, null) : Identify(options, presented);
        if (presented is not null && name is null)
        {
            return Problems.Status(StatusCodes.Status401Unauthorized, "The API key is not valid.");
        }

        if (!ApiRoles.Includes(role, required))
        {
            return presented is null
                ? Problems.Status(StatusCodes.Status401Unauthorized, "An API key is required (header X-Api-Key).")
                : Problems.Status(StatusCodes.Status403Forbidden, $"This needs the {required.ToString().ToLowerInvariant()} role; the key '{name}' has {role.ToString().ToLowerInvariant()}.");
        }

        http.Items[CallerItem] = name ?? "anonymous";
        http.Items[RoleItem] = role;
        return await next(context).ConfigureAwait(false);
    }

    private static (ApiRole, string?) Identify(ApiOptions options, string presented)
    {
        byte[] hash = Convert.FromHexString(ApiKeys.Hash(presented));
        foreach (ApiKey key in options.Keys)
        {
            if (key.KeyHash.Length == 64 && CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(key.KeyHash)))
            {
                return (key.Role, key.Name);
            }
        }

        return (ApiRole.None, null);
    }
}
