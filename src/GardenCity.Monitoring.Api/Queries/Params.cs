using GardenCity.Monitoring.Core.Quality;
using System.Globalization;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Time;
using GardenCity.Monitoring.Core.Wire;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// Parsing and validation of request parameters. Every identifier that reaches InfluxQL comes from a whitelist (the
/// registry, the wire contract's fields, the species stored), every value through <c>InfluxQl</c> quoting; anything
/// else is a <see cref="BadParameterException"/> naming the parameter.
/// </summary>
internal static partial class Params
{
    /// <summary>Beijing time.</summary>
    public static readonly TimeSpan Local = BeijingTime.Offset;

    public static (DateTimeOffset From, DateTimeOffset To) Range(string? from, string? to, DateTimeOffset now, TimeSpan maxRange, TimeSpan defaultRange)
    {
        DateTimeOffset end = to is null ? now : Time("to", to);
        DateTimeOffset start = from is null ? end - defaultRange : Time("from", from);
        if (start >= end)
        {
            throw new BadParameterException("from", "'from' must be before 'to'.");
        }

        if (end - start > maxRange)
        {
            throw new BadParameterException("to", $"The range may be at most {maxRange.TotalDays:0} days.");
        }

        return (start, end);
    }

    public static DateTimeOffset Time(string name, string text)
    {
        if (text.Length <= 40 && IsoTime().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset t)
            && t.Year is >= 2000 and <= 2200)
        {
            return t;
        }

        throw new BadParameterException(name, $"'{Shorten(text)}' is not an ISO 8601 time with a zone, e.g. 2023-07-31T08:00:00+08:00.");
    }

    public static Station Station(StationRegistry registry, string id, string name = "station")
    {
        if (registry.TryGet(id, out Station? station))
        {
            return station;
        }

        throw new BadParameterException(name, $"Unknown station '{Shorten(id)}'.");
    }

    public static string Site(StationRegistry registry, string id)
    {
        if (registry.Sites.ContainsKey(id))
        {
            return id;
        }

        throw new BadParameterException("site", $"Unknown site '{Shorten(id)}'; known: {string.Join(", ", registry.Sites.Keys.Order(StringComparer.Ordinal))}.");
    }

    /// <summary>The fields of a station's series: the contract's telemetry fields of its kind, and its status fields.</summary>
    public static IReadOnlyList<string> FieldsOf(Station station) =>
        [.. FieldSpecs.TelemetryFor(station.Kind).Keys.Order(StringComparer.Ordinal), "battery_v", "rssi_dbm"];

    public static string Field(Station station, string field)
    {
        if (FieldsOf(station).Contains(field))
        {
            return field;
        }

        throw new BadParameterException("field", $"Unknown field '{Shorten(field)}' for {station.Kind.ToWireName()} station {station.Id}; known: {string.Join(", ", FieldsOf(station))}.");
    }

    public static string Aggregation(string? agg)
    {
        agg ??= "mean";
        return agg is "mean" or "max" or "min" or "sum" ? agg : throw new BadParameterException("agg", $"'{Shorten(agg)}' is not one of mean, max, min, sum.");
    }

    /// <summary>
    /// The <c>quality</c> filter of a series: <c>all</c> (the default: every value, each window with its worst flag),
    /// <c>usable</c> (bad values left out) or <c>good</c> (doubtful and bad left out; also values stored before the
    /// checks existed, which were never checked). docs/data-quality.md.
    /// </summary>
    public static QualityFlag QualityFilter(string? quality) => quality switch
    {
        null or "all" => QualityFlag.Bad,
        "usable" => QualityFlag.Doubtful,
        "good" => QualityFlag.Good,
        _ => throw new BadParameterException("quality", $"'{Shorten(quality)}' is not one of all, usable, good (docs/data-quality.md)."),
    };

    public static TimeSpan Duration(string name, string text)
    {
        if (text.Length <= 16 && Durations.TryParse(text, out TimeSpan d))
        {
            return d;
        }

        throw new BadParameterException(name, $"'{Shorten(text)}' is not a duration like 30m, 1h, 1d.");
    }

    /// <summary>
    /// A species name as stored (the scientific name, e.g. <c>Panthera pardus</c>): letters, spaces, '.', '-', '_',
    /// at most 100 characters. A species never detected is not an error: its counts are zero and its RAI 0.
    /// </summary>
    public static string Species(string name) =>
        name.Length is > 0 and <= 100 && SpeciesPattern().IsMatch(name) ? name : throw new BadParameterException("species", $"'{Shorten(name)}' is not a species name (a scientific name such as 'Panthera pardus'; see /api/v1/species).");

    /// <summary>A station named in the path; an unknown one is a 404.</summary>
    public static Station PathStation(StationRegistry registry, string id) =>
        registry.TryGet(id, out Station? station) ? station : throw new NotFoundException($"No station '{Shorten(id)}' in the registry (the list: /api/v1/stations).");

    /// <summary>A value of <paramref name="field"/> rounded to the precision its sensor reports (<see cref="FieldSpec.Decimals"/>): no 100.60000000000002.</summary>
    public static double Round(Station station, string field, double value) =>
        Math.Round(value, FieldSpecs.Decimals(station.Kind, field), MidpointRounding.AwayFromZero);

    public static string Interval(string? interval)
    {
        interval ??= "day";
        return interval is "day" or "week" or "month" ? interval : throw new BadParameterException("interval", $"'{Shorten(interval)}' is not one of day, week, month.");
    }

    /// <summary>An id-like value (rule, alert id): letters, digits, '.', '-', '_' only.</summary>
    public static string Token(string name, string value) =>
        value.Length is > 0 and <= 160 && TokenPattern().IsMatch(value) ? value : throw new BadParameterException(name, $"'{Shorten(value)}' is not a valid {name}.");

    /// <summary>The raise time an alert id names (<c>{rule}.{station}.{yyyyMMddTHHmmssZ}</c>, docs/alerting.md), or null.</summary>
    public static DateTimeOffset? RaisedAt(string alertId)
    {
        Match m = AlertIdTime().Match(alertId);
        return m.Success && DateTimeOffset.TryParseExact(m.Groups[1].Value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t)
            ? t
            : null;
    }

    public static string Shorten(string text) => text.Length > 64 ? text[..64] + "…" : text;

    [GeneratedRegex(@"\.(\d{8}T\d{6}Z)(-late)?$")]
    private static partial Regex AlertIdTime();

    [GeneratedRegex(@"^[\p{L}][\p{L} ._-]*$")]
    private static partial Regex SpeciesPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._-]+$")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex IsoTime();
}
