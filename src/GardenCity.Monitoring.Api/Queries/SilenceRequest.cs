using System.Text.Json;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Time;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// The body of <c>POST /api/v1/silences</c> (docs/api.md), checked field by field: a mistake is a
/// <see cref="BadParameterException"/> naming the field (<c>matchers.station</c>, <c>reason</c>, <c>ends_at</c>) and what to
/// do; a silence that could cover emergency red alerts asked for below the admin role is a <see cref="SilenceForbiddenException"/>.
/// </summary>
/// <param name="Matchers">Which alerts.</param>
/// <param name="Reason">Why.</param>
/// <param name="StartsAt">Start.</param>
/// <param name="EndsAt">End.</param>
internal sealed record SilenceRequest(SilenceMatchers Matchers, string Reason, DateTimeOffset StartsAt, DateTimeOffset EndsAt)
{
    /// <summary>Longest silence.</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(30);

    /// <summary>Longest reason.</summary>
    public const int MaxReason = 500;

    private static readonly string[] MatcherNames = ["rule", "station", "site", "watershed", "audience", "severity"];
    private static readonly string Example = "{\"matchers\": {\"station\": \"bhs-wx-01\"}, \"reason\": \"…\", \"duration\": \"2h\"}";

    /// <summary>Reads and checks a request body for a caller of <paramref name="role"/> at <paramref name="now"/>.</summary>
    public static SilenceRequest Parse(JsonElement body, StationRegistry registry, DateTimeOffset now, ApiRole role, string caller)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new BadParameterException("(body)", "The body must be a JSON object, e.g. " + Example + ".");
        }

        foreach (JsonProperty p in body.EnumerateObject())
        {
            if (p.Name is not ("matchers" or "reason" or "starts_at" or "ends_at" or "duration"))
            {
                throw new BadParameterException(Params.Shorten(p.Name), $"'{Params.Shorten(p.Name)}' is not a field of a silence; the fields are matchers, reason, starts_at, ends_at, duration.");
            }
        }

        SilenceMatchers matchers = ReadMatchers(body, registry);
        string reason = String(body, "reason") is { } r && r.Trim() is { Length: > 0 } trimmed ? trimmed
            : throw new BadParameterException("reason", "A reason is required: why people need not be told, e.g. \"清水河闸门检修 / gate maintenance\".");
        if (reason.Length > MaxReason || reason.Any(char.IsControl))
        {
            throw new BadParameterException("reason", $"The reason must be at most {MaxReason} characters, without control characters.");
        }

        DateTimeOffset starts = String(body, "starts_at") is { } s ? Params.Time("starts_at", s) : now;
        string? endsText = String(body, "ends_at"), durationText = String(body, "duration");
        DateTimeOffset ends = (endsText, durationText) switch
        {
            (not null, null) => Params.Time("ends_at", endsText),
            (null, not null) => starts + Duration(durationText),
            (null, null) => throw new BadParameterException("ends_at", "Give the end: 'ends_at' (an ISO time with a zone) or 'duration' (e.g. 2h, 1d)."),
            _ => throw new BadParameterException("ends_at", "Give either 'ends_at' or 'duration', not both."),
        };
        if (ends <= now)
        {
            throw new BadParameterException(endsText is null ? "duration" : "ends_at", "The silence would already be over: its end must be in the future.");
        }

        if (ends <= starts)
        {
            throw new BadParameterException("ends_at", "The end must be after 'starts_at'.");
        }

        if (ends - starts > MaxLength)
        {
            throw new BadParameterException(endsText is null ? "duration" : "ends_at", $"A silence may last at most {MaxLength.TotalDays:0} days; make a new one when it ends.");
        }

        if (matchers.CoversEmergencyRed && role < ApiRole.Admin)
        {
            throw new SilenceForbiddenException($"This silence could hold back emergency red alerts ({matchers}), which only the admin role may silence, with a reason; the key '{caller}' has the {role.ToString().ToLowerInvariant()} role. Narrow it with \"severity\" up to orange or an audience other than emergency, or ask an admin.");
        }

        return new SilenceRequest(matchers, reason, starts, ends);
    }

    private static SilenceMatchers ReadMatchers(JsonElement body, StationRegistry registry)
    {
        if (!body.TryGetProperty("matchers", out JsonElement m) || m.ValueKind != JsonValueKind.Object)
        {
            throw new BadParameterException("matchers", "'matchers' is required: an object with at least one of " + string.Join(", ", MatcherNames) + ", e.g. " + Example + ".");
        }

        foreach (JsonProperty p in m.EnumerateObject())
        {
            if (Array.IndexOf(MatcherNames, p.Name) < 0)
            {
                throw new BadParameterException("matchers." + Params.Shorten(p.Name), $"'{Params.Shorten(p.Name)}' is not a matcher; the matchers are {string.Join(", ", MatcherNames)}.");
            }

            if (p.Value.ValueKind != JsonValueKind.String)
            {
                throw new BadParameterException("matchers." + p.Name, $"'matchers.{p.Name}' must be a string.");
            }
        }

        string? rule = String(m, "rule", "matchers.rule") is { } r ? Params.Token("matchers.rule", r) : null;
        string? station = String(m, "station", "matchers.station") is { } st ? Params.Station(registry, st, "matchers.station").Id : null;
        string? site = String(m, "site", "matchers.site") is { } si ? registry.Sites.ContainsKey(si) ? si
            : throw new BadParameterException("matchers.site", $"Unknown site '{Params.Shorten(si)}'; known: {string.Join(", ", registry.Sites.Keys.Order(StringComparer.Ordinal))}.") : null;
        string[] watersheds = [.. registry.Stations.Select(s => s.Watershed).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        string? watershed = String(m, "watershed", "matchers.watershed") is { } w ? watersheds.Contains(w, StringComparer.Ordinal) ? w
            : throw new BadParameterException("matchers.watershed", $"Unknown watershed '{Params.Shorten(w)}'; known: {string.Join(", ", watersheds)}.") : null;
        Audience? audience = String(m, "audience", "matchers.audience") switch
        {
            null => null,
            "emergency" => Audience.Emergency,
            "ecology" => Audience.Ecology,
            "maintenance" => Audience.Maintenance,
            var a => throw new BadParameterException("matchers.audience", $"'{Params.Shorten(a)}' is not one of emergency, ecology, maintenance."),
        };
        Severity? severity = String(m, "severity", "matchers.severity") switch
        {
            null => null,
            "info" => Severity.Info,
            "blue" => Severity.Blue,
            "yellow" => Severity.Yellow,
            "orange" => Severity.Orange,
            "red" => Severity.Red,
            var s => throw new BadParameterException("matchers.severity", $"'{Params.Shorten(s)}' is not one of info, blue, yellow, orange, red (the highest severity the silence covers)."),
        };
        var matchers = new SilenceMatchers(rule, station, site, watershed, audience, severity);
        return matchers.IsEmpty
            ? throw new BadParameterException("matchers", "At least one matcher is required (" + string.Join(", ", MatcherNames) + "): a silence of everything is refused.")
            : matchers;
    }

    private static string? String(JsonElement o, string name, string? field = null)
    {
        if (!o.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new BadParameterException(field ?? name, $"'{field ?? name}' must be a string.");
    }

    private static TimeSpan Duration(string text) =>
        text.Length <= 16 && Durations.TryParse(text, out TimeSpan d) && d > TimeSpan.Zero ? d
            : throw new BadParameterException("duration", $"'{Params.Shorten(text)}' is not a duration like 30m, 2h, 1d.");
}

/// <summary>A silence the caller's role may not create; becomes a 403 problem.</summary>
internal sealed class SilenceForbiddenException(string message) : Exception(message);
