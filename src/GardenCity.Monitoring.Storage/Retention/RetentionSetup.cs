using System.Globalization;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.Storage.Retention;

/// <summary>
/// Creates the database and retention policies on InfluxDB 1.x (<see cref="InfluxOptions.CreateDatabase"/>; docs/retention.md):
/// a new database gets its default policy with <see cref="RetentionOptions.RawDuration"/>, the kept-for-ever policy is
/// created with <c>DURATION INF</c>. A policy that exists is never altered, above all never shortened: an installation
/// whose raw policy has another duration gets a warning that points to the migration in docs/retention.md.
/// Safe to run from several processes at once (a policy created meanwhile by another is taken as it is).
/// </summary>
internal static partial class RetentionSetup
{
    public static async Task CreateAsync(InfluxQlClient query, ILogger logger, CancellationToken cancellationToken)
    {
        InfluxOptions influx = query.Options;
        RetentionOptions retention = query.Retention;
        bool same = retention.SamePlace(influx);
        string raw = InfluxQl.Identifier(influx.Database);
        Dictionary<string, (TimeSpan Duration, bool Default)>? policies = await PoliciesAsync(query, influx.Database, cancellationToken).ConfigureAwait(false);
        if (policies is null)
        {
            // A new database: its default policy (autogen) holds the raw readings unless they have a named policy.
            bool rawIsDefault = influx.RetentionPolicy.Length == 0;
            await ExecuteAsync(query, "CREATE DATABASE " + raw + (rawIsDefault && !same ? " WITH DURATION " + Duration(retention.RawDuration) : string.Empty), cancellationToken).ConfigureAwait(false);
            policies = await PoliciesAsync(query, influx.Database, cancellationToken).ConfigureAwait(false) ?? [];
        }

        if (influx.RetentionPolicy.Length > 0 && !policies.ContainsKey(influx.RetentionPolicy))
        {
            await ExecuteAsync(query, $"CREATE RETENTION POLICY {InfluxQl.Identifier(influx.RetentionPolicy)} ON {raw} DURATION {(same ? "INF" : Duration(retention.RawDuration))} REPLICATION 1", cancellationToken).ConfigureAwait(false);
            policies = await PoliciesAsync(query, influx.Database, cancellationToken).ConfigureAwait(false) ?? [];
        }

        if (same)
        {
            return; // everything in one place: nothing there may expire, nothing is shortened
        }

        (string rawName, TimeSpan rawDuration) = influx.RetentionPolicy.Length > 0
            ? (influx.RetentionPolicy, policies.TryGetValue(influx.RetentionPolicy, out var named) ? named.Duration : TimeSpan.Zero)
            : policies.Where(p => p.Value.Default).Select(p => (p.Key, p.Value.Duration)).FirstOrDefault();
        if (rawName is not null && rawDuration != retention.RawDuration)
        {
            Log.RawPolicyDiffers(logger, influx.Database, rawName, rawDuration == TimeSpan.Zero ? "INF" : Duration(rawDuration), Duration(retention.RawDuration));
        }

        string foreverDb = retention.DatabaseOf(InfluxTarget.Forever, influx);
        Dictionary<string, (TimeSpan Duration, bool Default)>? forever = foreverDb == influx.Database ? policies : await PoliciesAsync(query, foreverDb, cancellationToken).ConfigureAwait(false);
        if (forever is null)
        {
            await ExecuteAsync(query, "CREATE DATABASE " + InfluxQl.Identifier(foreverDb), cancellationToken).ConfigureAwait(false);
            forever = await PoliciesAsync(query, foreverDb, cancellationToken).ConfigureAwait(false) ?? [];
        }

        if (retention.ForeverPolicy.Length > 0 && !forever.ContainsKey(retention.ForeverPolicy))
        {
            await ExecuteAsync(query, $"CREATE RETENTION POLICY {InfluxQl.Identifier(retention.ForeverPolicy)} ON {InfluxQl.Identifier(foreverDb)} DURATION INF REPLICATION 1", cancellationToken).ConfigureAwait(false);
            forever = await PoliciesAsync(query, foreverDb, cancellationToken).ConfigureAwait(false) ?? [];
        }

        string foreverName = retention.ForeverPolicy.Length > 0 ? retention.ForeverPolicy : forever.Where(p => p.Value.Default).Select(p => p.Key).FirstOrDefault() ?? "?";
        if (forever.TryGetValue(foreverName, out var f) && f.Duration != TimeSpan.Zero)
        {
            Log.ForeverPolicyExpires(logger, foreverDb, foreverName, Duration(f.Duration));
        }
    }

    /// <summary>An InfluxQL duration in whole hours (<c>2160h</c>).</summary>
    internal static string Duration(TimeSpan span) => ((long)span.TotalHours).ToString(CultureInfo.InvariantCulture) + "h";

    /// <summary>The policies of <paramref name="database"/> by name (duration zero = infinite), or null when the database does not exist.</summary>
    internal static async Task<Dictionary<string, (TimeSpan Duration, bool Default)>?> PoliciesAsync(InfluxQlClient query, string database, CancellationToken cancellationToken)
    {
        IReadOnlyList<InfluxSeries> series;
        try
        {
            series = await query.QueryAsync("SHOW RETENTION POLICIES ON " + InfluxQl.Identifier(database), cancellationToken).ConfigureAwait(false);
        }
        catch (InfluxQueryException ex) when (ex.Message.Contains("database not found", StringComparison.Ordinal))
        {
            return null;
        }

        var policies = new Dictionary<string, (TimeSpan, bool)>(StringComparer.Ordinal);
        foreach (InfluxSeries s in series)
        {
            for (int i = 0; i < s.Values.Count; i++)
            {
                policies[s.Text(i, "name") ?? string.Empty] = (GoDuration(s.Text(i, "duration") ?? "0s"), s.Get(i, "default").ValueKind == System.Text.Json.JsonValueKind.True);
            }
        }

        return policies;
    }

    /// <summary>A duration as InfluxDB shows it (<c>2160h0m0s</c>, <c>0s</c> for infinite).</summary>
    internal static TimeSpan GoDuration(string text)
    {
        TimeSpan total = TimeSpan.Zero;
        foreach (Match m in GoDurationPart().Matches(text))
        {
            double value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                _ => TimeSpan.Zero,
            };
        }

        return total;
    }

    private static async Task ExecuteAsync(InfluxQlClient query, string statement, CancellationToken cancellationToken)
    {
        try
        {
            await query.ExecuteAsync(statement, cancellationToken).ConfigureAwait(false);
        }
        catch (InfluxQueryException ex) when (ex.Message.Contains("already exists", StringComparison.Ordinal) || ex.Message.Contains("conflicts with an existing policy", StringComparison.Ordinal))
        {
            // Another process created it meanwhile (or it exists with another duration): taken as it is, never altered.
        }
    }

    [GeneratedRegex("([0-9.]+)(h|ms|m|s|us|µs|ns)")]
    private static partial Regex GoDurationPart();
}
