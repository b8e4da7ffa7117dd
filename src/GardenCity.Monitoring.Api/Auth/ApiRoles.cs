using Microsoft.AspNetCore.Http;

namespace GardenCity.Monitoring.Api.Auth;

/// <summary>Which role includes which (<see cref="ApiRole"/>): not a simple order since the reviewer role.</summary>
internal static class ApiRoles
{
    /// <summary>Whether a key of role <paramref name="have"/> may do what needs <paramref name="need"/>.</summary>
    public static bool Includes(ApiRole have, ApiRole need) => need switch
    {
        ApiRole.None => true,
        ApiRole.Reader => have is ApiRole.Reader or ApiRole.Responder or ApiRole.Reviewer or ApiRole.Admin,
        _ => have == need || have == ApiRole.Admin,
    };

    /// <summary>Whether the caller may see exact camera-trap locations: the reviewer and admin roles (docs/ecology.md).</summary>
    public static bool SeesExactLocations(ApiRole role) => role is ApiRole.Reviewer or ApiRole.Admin;

    /// <summary>The caller's role, as <see cref="ApiKeyFilter"/> found it (none before the filter ran).</summary>
    public static ApiRole Of(HttpContext http) => http?.Items[ApiKeyFilter.RoleItem] is ApiRole role ? role : ApiRole.None;
}
