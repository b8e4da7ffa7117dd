using System.Text.Json;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// The Grafana provisioning of docker-compose.yml (deploy/grafana/): every panel uses a provisioned datasource, every
/// InfluxQL query is accepted by the real influxd 1.6.7 (the query language InfluxDB 2 and 3 serve on /query) and names
/// only measurements and fields of docs/influxdb-schema.md, every Prometheus query names metrics the code exports, and
/// the water-level panels show the registry's warning levels.
/// </summary>
public sealed partial class GrafanaDashboardTests(ServersFixture servers)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>What the Grafana macros become before a query is sent (a concrete time range, interval and station).</summary>
    private static readonly (string Macro, string Value)[] Macros =
    [
        ("$timeFilter", "time >= '2023-07-29T00:00:00Z' AND time < '2023-08-02T00:00:00Z'"),
        ("$__interval", "10m"),
        ("$station", "yd-wl-01"),
    ];

    private static string GrafanaDirectory => Path.Combine(Repo.Root, "deploy", "grafana");

    private static Dictionary<string, string> Datasources()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(GrafanaDirectory, "provisioning", "datasources", "datasources.yaml"))));
        var list = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("datasources")];
        return list.Children.Cast<YamlMappingNode>().ToDictionary(d => ((YamlScalarNode)d.Children[new YamlScalarNode("uid")]).Value!, d => ((YamlScalarNode)d.Children[new YamlScalarNode("type")]).Value!, StringComparer.Ordinal);
    }

    /// <summary>Every panel with its dashboard file, title, datasource (uid, type) and queries (InfluxQL or PromQL).</summary>
    private static List<(string File, string Title, string Uid, string Type, List<string> Queries)> Panels()
    {
        string[] files = Directory.GetFiles(Path.Combine(GrafanaDirectory, "dashboards"), "*.json");
        Assert.NotEmpty(files);
        var panels = new List<(string, string, string, string, List<string>)>();
        foreach (string file in files)
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file)); // throws on a JSON error, naming the position
            foreach (JsonElement panel in doc.RootElement.GetProperty("panels").EnumerateArray())
            {
                string title = panel.GetProperty("title").GetString()!;
                JsonElement ds = panel.TryGetProperty("datasource", out JsonElement d) ? d : default;
                string uid = ds.ValueKind == JsonValueKind.Object && ds.TryGetProperty("uid", out JsonElement u) ? u.GetString()! : "(none)";
                string type = ds.ValueKind == JsonValueKind.Object && ds.TryGetProperty("type", out JsonElement t) ? t.GetString()! : "(none)";
                var queries = new List<string>();
                List<JsonElement> targets = panel.TryGetProperty("targets", out JsonElement t2) ? [.. t2.EnumerateArray()] : [];
                foreach (JsonElement target in targets)
                {
                    string targetUid = target.TryGetProperty("datasource", out JsonElement td) && td.TryGetProperty("uid", out JsonElement tu) ? tu.GetString()! : uid;
                    Assert.True(targetUid == uid, $"{Path.GetFileName(file)}: panel '{title}' has a target on datasource {targetUid}, the panel on {uid}");
                    queries.Add(target.TryGetProperty("query", out JsonElement q) ? q.GetString()! : target.TryGetProperty("expr", out JsonElement e) ? e.GetString()! : "(no query)");
                }

                panels.Add((Path.GetFileName(file), title, uid, type, queries));
            }

            foreach (JsonElement variable in doc.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
            {
                panels.Add((Path.GetFileName(file), "variable $" + variable.GetProperty("name").GetString(), variable.GetProperty("datasource").GetProperty("uid").GetString()!,
                    variable.GetProperty("datasource").GetProperty("type").GetString()!, [variable.GetProperty("query").GetString()!]));
            }
        }

        return panels;
    }

    [Fact]
    public void EveryPanel_UsesAProvisionedDatasourceByUid_AndHasAQuery()
    {
        Dictionary<string, string> datasources = Datasources();
        var panels = Panels();
        string[] problems =
        [
            .. panels.Where(p => !datasources.TryGetValue(p.Uid, out string? type) || type != p.Type)
                .Select(p => $"{p.File}: '{p.Title}' uses datasource {p.Uid} ({p.Type}); provisioned: {string.Join(", ", datasources.Select(d => $"{d.Key} ({d.Value})"))}"),
            .. panels.Where(p => p.Queries.Count == 0 || p.Queries.Any(string.IsNullOrWhiteSpace)).Select(p => $"{p.File}: '{p.Title}' has no query"),
        ];

        Assert.True(problems.Length == 0, string.Join("\n", problems));
        Assert.Contains(panels, p => p.Type == "influxdb");
        Assert.Contains(panels, p => p.Type == "prometheus");
    }

    /// <summary>
    /// Each InfluxQL query, with the macros replaced by concrete values, is sent to influxd 1.6.7 on a database holding
    /// nothing: a query it cannot parse or plan answers 400, or 200 with an "error" in its result.
    /// </summary>
    [Fact]
    public async Task EveryInfluxQlQuery_IsAcceptedByInfluxd()
    {
        string database = "gc_grafana_" + Guid.NewGuid().ToString("N")[..8];
        await QueryAsync($"CREATE DATABASE \"{database}\"", null);
        var problems = new List<string>();
        int count = 0;
        foreach (var panel in Panels().Where(p => p.Type == "influxdb"))
        {
            foreach (string query in panel.Queries)
            {
                string concrete = Macros.Aggregate(query, (q, m) => q.Replace(m.Macro, m.Value, StringComparison.Ordinal));
                Assert.DoesNotMatch(@"\$[A-Za-z_{]", concrete); // every macro used is substituted (a regular expression's $ anchor stays)
                (int status, string body) = await QueryAsync(concrete, database);
                count++;
                if (status != 200 || body.Contains("\"error\"", StringComparison.Ordinal))
                {
                    problems.Add($"{panel.File}: '{panel.Title}': {status} {body}\n  {concrete}");
                }
            }
        }

        Assert.True(count >= 10, $"only {count} InfluxQL queries found");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Measurements and fields named by the InfluxQL queries exist in docs/influxdb-schema.md (a typo returns no data, not an error).</summary>
    [Fact]
    public void EveryInfluxQlQuery_NamesMeasurementsAndFieldsOfTheSchema()
    {
        Dictionary<string, string> schema = File.ReadLines(Path.Combine(Repo.Root, "docs", "influxdb-schema.md"))
            .Select(l => (Line: l, Match: SchemaRow().Match(l))).Where(r => r.Match.Success)
            .ToDictionary(r => r.Match.Groups[1].Value, r => r.Line, StringComparer.Ordinal);
        Assert.Contains("water_level", schema.Keys);
        var problems = new List<string>();
        foreach (var panel in Panels().Where(p => p.Type == "influxdb" && !p.Title.StartsWith("variable", StringComparison.Ordinal)))
        {
            foreach (string query in panel.Queries)
            {
                string[] measurements = [.. FromClause().Match(query).Groups[1].Value.Split(',').Select(m => m.Trim().Trim('"'))];
                problems.AddRange(measurements.Where(m => !schema.ContainsKey(m)).Select(m => $"'{panel.Title}': measurement {m} is not in docs/influxdb-schema.md"));
                string withoutAliases = Alias().Replace(FromClause().Replace(query, " "), " ");
                foreach (string name in Quoted().Matches(withoutAliases).Select(m => m.Groups[1].Value).Distinct())
                {
                    bool commonTag = name is "station" or "site" or "kind";
                    if (!commonTag && !measurements.Any(m => schema.TryGetValue(m, out string? row) && row.Contains($"`{name}`", StringComparison.Ordinal)))
                    {
                        problems.Add($"'{panel.Title}': {name} is not a field or tag of {string.Join(", ", measurements)} in docs/influxdb-schema.md");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// Every gardencity_* metric of a Prometheus query is the exported name of an instrument created in src/: the
    /// gardencity_ prefix, dots as underscores, the unit suffix (By: _bytes, s: _seconds, unless the name ends so), then
    /// _total for a counter or _bucket/_sum/_count for a histogram (the OpenTelemetry Prometheus exporter's naming,
    /// as HostCliTests reads it from /metrics).
    /// </summary>
    [Fact]
    public void EveryPrometheusQuery_NamesMetricsTheCodeExports()
    {
        var exported = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Directory.GetFiles(Path.Combine(Repo.Root, "src"), "*.cs", SearchOption.AllDirectories).SelectMany(f => Instrument().Matches(File.ReadAllText(f))))
        {
            string name = "gardencity_" + m.Groups[2].Value.Replace('.', '_');
            string unit = Unit().Match(m.Groups[3].Value) is { Success: true } u ? u.Groups[1].Value switch { "By" => "_bytes", "s" => "_seconds", _ => string.Empty } : string.Empty;
            if (unit.Length > 0 && !name.EndsWith(unit, StringComparison.Ordinal))
            {
                name += unit;
            }

            string[] names = m.Groups[1].Value switch
            {
                "Counter" or "ObservableCounter" => [name + "_total"],
                "Histogram" => [name + "_bucket", name + "_sum", name + "_count"],
                _ => [name],
            };
            exported.UnionWith(names);
        }

        Assert.Contains("gardencity_readings_stored_total", exported);
        Assert.Contains("gardencity_influx_write_duration_seconds_bucket", exported);
        var problems = new List<string>();
        int count = 0;
        foreach (var panel in Panels().Where(p => p.Type == "prometheus"))
        {
            foreach (string metric in panel.Queries.SelectMany(q => Metric().Matches(q).Select(m => m.Value)))
            {
                count++;
                if (!exported.Contains(metric))
                {
                    problems.Add($"'{panel.Title}': {metric} is not exported (exported: {string.Join(", ", exported.Order())})");
                }
            }
        }

        Assert.True(count >= 8, $"only {count} gardencity metrics referenced");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Each gauge of the registry has a water-level panel whose threshold lines are its warning and guaranteed levels.</summary>
    [Fact]
    public void WaterLevelPanels_ShowTheRegistrysWarningLevels()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Repo.Root, "deploy", "stations.yaml"))));
        var gauges = ((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("stations")]).Children.Cast<YamlMappingNode>()
            .Where(s => ((YamlScalarNode)s.Children[new YamlScalarNode("kind")]).Value == "water-level")
            .Select(s => (Id: Scalar(s, "id"), Warning: double.Parse(Scalar(s, "warning_level_m"), System.Globalization.CultureInfo.InvariantCulture), Guaranteed: double.Parse(Scalar(s, "guaranteed_level_m"), System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(GrafanaDirectory, "dashboards", "gardencity-overview.json")));
        var problems = new List<string>();
        foreach (var gauge in gauges)
        {
            JsonElement[] panels = [.. doc.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("targets").EnumerateArray()
                .Any(t => t.GetProperty("query").GetString()!.Contains($"FROM \"water_level\" WHERE \"station\" = '{gauge.Id}'", StringComparison.Ordinal)))];
            if (panels.Length != 1)
            {
                problems.Add($"{gauge.Id}: {panels.Length} water-level panels");
                continue;
            }

            double?[] steps = [.. panels[0].GetProperty("fieldConfig").GetProperty("defaults").GetProperty("thresholds").GetProperty("steps").EnumerateArray()
                .Select(s => s.GetProperty("value").ValueKind == JsonValueKind.Null ? (double?)null : s.GetProperty("value").GetDouble())];
            if (!steps.SequenceEqual([null, gauge.Warning, gauge.Guaranteed]))
            {
                problems.Add($"{gauge.Id}: thresholds {string.Join(", ", steps)}, registry warning {gauge.Warning} m, guaranteed {gauge.Guaranteed} m");
            }
        }

        Assert.True(gauges.Count >= 5, $"only {gauges.Count} gauges in the registry");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    private async Task<(int Status, string Body)> QueryAsync(string query, string? database)
    {
        string url = $"{servers.Influx.Url}/query?q={Uri.EscapeDataString(query)}" + (database is null ? string.Empty : "&db=" + database);
        using HttpResponseMessage response = await (database is null
            ? Http.PostAsync(new Uri(url), null, TestContext.Current.CancellationToken)
            : Http.GetAsync(new Uri(url), TestContext.Current.CancellationToken));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [GeneratedRegex(@"^\| `([a-z_]+)` \|")]
    private static partial Regex SchemaRow();

    [GeneratedRegex(@"FROM\s+((?:""[a-z_]+""\s*,?\s*)+)")]
    private static partial Regex FromClause();

    [GeneratedRegex(@"AS\s+""[^""]*""")]
    private static partial Regex Alias();

    [GeneratedRegex(@"""([^""]+)""")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"Create(Counter|Histogram|UpDownCounter|Gauge|ObservableGauge|ObservableCounter|ObservableUpDownCounter)(?:<\w+>)?\(\s*""([a-z_.]+)""([^;]*)")]
    private static partial Regex Instrument();

    [GeneratedRegex(@"unit:\s*""(\w+)""")]
    private static partial Regex Unit();

    [GeneratedRegex(@"\bgardencity_[a-z0-9_]+")]
    private static partial Regex Metric();

}
