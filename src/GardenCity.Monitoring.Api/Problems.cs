using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace GardenCity.Monitoring.Api;

/// <summary>A request parameter that cannot be used; becomes a 400 problem naming it.</summary>
internal sealed class BadParameterException(string parameter, string message) : Exception(message)
{
    public string Parameter { get; } = parameter;
}

/// <summary>A resource named in the path that does not exist (an unknown station); becomes a 404 problem.</summary>
internal sealed class NotFoundException(string message) : Exception(message);

/// <summary>RFC 9457 problem details.</summary>
internal static class Problems
{
    public static IResult Status(int status, string title) => TypedResults.Problem(new ProblemDetails { Status = status, Title = title });

    public static IResult BadParameter(BadParameterException ex) => TypedResults.Problem(new ProblemDetails
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "Invalid parameter '" + ex.Parameter + "'.",
        Detail = ex.Message,
        Extensions = { ["parameter"] = ex.Parameter },
    });
}
