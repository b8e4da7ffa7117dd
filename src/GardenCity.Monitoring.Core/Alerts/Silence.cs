namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// A silence (maintenance window): from <see cref="StartsAt"/> until <see cref="EndsAt"/> the alerts its
/// <see cref="Matchers"/> cover are recorded and shown but not told to people (docs/duty-room.md, "Silences").
/// </summary>
/// <param name="Id">Id, <c>s-{yyyyMMddHHmmss}-{random}</c>.</param>
/// <param name="Matchers">Which alerts.</param>
/// <param name="CreatedBy">The API key's name of whoever created it.</param>
/// <param name="Reason">Why, as the person wrote it.</param>
/// <param name="StartsAt">Start (wall clock).</param>
/// <param name="EndsAt">Planned end (wall clock); it expires by itself then.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record Silence(string Id, SilenceMatchers Matchers, string CreatedBy, string Reason, DateTimeOffset StartsAt, DateTimeOffset EndsAt, DateTimeOffset CreatedAt)
{
    /// <summary>When it was ended early, if it was.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Who ended it early, if someone did.</summary>
    public string? EndedBy { get; init; }

    /// <summary>When it stops (or stopped) holding notifications back: the earlier of the planned and the early end.</summary>
    public DateTimeOffset Until => EndedAt is { } ended && ended < EndsAt ? ended : EndsAt;

    /// <summary>Whether it holds notifications back at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTimeOffset now) => StartsAt <= now && now < Until;

    /// <summary><c>pending</c> (starts later), <c>active</c>, <c>expired</c> (reached its end) or <c>ended</c> (ended early by a person) at <paramref name="now"/>.</summary>
    public string StateAt(DateTimeOffset now) =>
        EndedAt is { } ended && ended < EndsAt && ended <= now ? "ended" : now >= EndsAt ? "expired" : now < StartsAt ? "pending" : "active";
}
