namespace GardenCity.Monitoring.Api.Ecology;

/// <summary>One sighting of a known individual: a reviewed detection that counts and names it.</summary>
/// <param name="Time">The trigger's time.</param>
/// <param name="Station">The camera trap.</param>
/// <param name="Species">The species as it counts (after review).</param>
/// <param name="Count">The count as it counts.</param>
/// <param name="ReviewedBy">Who named the individual.</param>
public sealed record Sighting(DateTimeOffset Time, string Station, string Species, long Count, string ReviewedBy);

/// <summary>
/// A known individual's movements (docs/ecology.md, "Individuals and movement"): its sightings in time order, and the
/// shortest time between two sightings at different cameras — the fastest observed move, how the corridor is used.
/// </summary>
/// <param name="Id">The individual id the reviewers gave (e.g. BHS-L01).</param>
/// <param name="Sightings">In time order (at least one).</param>
public sealed record IndividualTrack(string Id, IReadOnlyList<Sighting> Sightings)
{
    /// <summary>The species of its latest sighting.</summary>
    public string Species => Sightings[^1].Species;

    /// <summary>First seen.</summary>
    public DateTimeOffset FirstSeen => Sightings[0].Time;

    /// <summary>Last seen.</summary>
    public DateTimeOffset LastSeen => Sightings[^1].Time;

    /// <summary>
    /// The shortest time between two sightings at different cameras, with the pair (earlier, later); null when it was
    /// seen at one camera only. For each sighting the best partner is the latest earlier sighting at another camera;
    /// a tie goes to the earlier pair.
    /// </summary>
    public (Sighting From, Sighting To)? ShortestMove
    {
        get
        {
            (Sighting From, Sighting To)? best = null;
            for (int j = 1; j < Sightings.Count; j++)
            {
                for (int i = j - 1; i >= 0; i--)
                {
                    if (Sightings[i].Station == Sightings[j].Station)
                    {
                        continue;
                    }

                    if (best is not { } b || Sightings[j].Time - Sightings[i].Time < b.To.Time - b.From.Time)
                    {
                        best = (Sightings[i], Sightings[j]);
                    }

                    break;
                }
            }

            return best;
        }
    }

    /// <summary>
    /// The tracks of every individual named in <paramref name="detections"/>: detections that count (confirmed or
    /// corrected) and carry a reviewer's individual id, ordered by first sighting, then id.
    /// </summary>
    public static IReadOnlyList<IndividualTrack> From(IEnumerable<VerifiedDetection> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        return [.. detections
            .Where(v => v.Counts && v.Review is { IndividualId: { Length: > 0 } })
            .GroupBy(v => v.Review!.IndividualId!, StringComparer.Ordinal)
            .Select(g => new IndividualTrack(g.Key, [.. g.OrderBy(v => v.Detection.Time).ThenBy(v => v.Detection.Station, StringComparer.Ordinal)
                .Select(v => new Sighting(v.Detection.Time, v.Detection.Station, v.Detection.Species, v.Detection.Count, v.Review!.By))]))
            .OrderBy(t => t.FirstSeen).ThenBy(t => t.Id, StringComparer.Ordinal)];
    }
}
