using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Readings;

namespace GardenCity.Monitoring.Benchmarks;

/// <summary>
/// The alerting engine's work per batch of 1,000 live gauge readings with the shipped rules (deploy/rules) and
/// <see cref="ExtraRules"/> more rules. When they do not apply (they watch weather stations only) a reading's cost
/// should not grow with them (issue 17); when they do (they watch the gauges, with a threshold no reading reaches) the
/// figures are the cost of each rule a reading is judged by. Each benchmark is one batch through a fresh engine; divide by 1,000 for the
/// cost per reading. With one invocation per iteration (a fresh engine each) the tiered JIT needs some twenty iterations
/// to reach its optimised code, so the warm-up is long: a short warm-up measures the first tier (7x slower, bench/README.md).
/// </summary>
[MemoryDiagnoser]
[WarmupCount(40)]
[IterationCount(40)]
public class RuleEvaluationBenchmarks
{
    private const int Batch = 1000;
    private List<Reading> _readings = [];
    private RuleSet _rules = null!;
    private AlertEngine _engine = null!;

    /// <summary>How many rules are added to the shipped ones (0 runs twice, once per <see cref="ExtraRulesApply"/>: the same work, a control).</summary>
    [Params(0, 10, 100, 1000)]
    public int ExtraRules { get; set; }

    /// <summary>Whether the extra rules watch the gauges (each reading judged by all of them) or weather stations only.</summary>
    [Params(false, true)]
    public bool ExtraRulesApply { get; set; }

    /// <summary>The readings and the rule set (shipped + extra).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _readings = Fleet.Decode(Fleet.TelemetryMessages(Batch));
        string rulesDirectory = Path.Combine(AppContext.BaseDirectory, "rules");
        var files = Directory.GetFiles(rulesDirectory, "*.yaml").Order(StringComparer.Ordinal).Select(f => (File.ReadAllText(f), Path.GetFileName(f))).ToList();
        if (ExtraRules > 0)
        {
            var extra = new StringBuilder("rules:\n");
            (string kind, string field) = ExtraRulesApply ? ("water-level", "water_level_m") : ("weather", "rain_mm");
            for (int i = 0; i < ExtraRules; i++)
            {
                extra.Append(CultureInfo.InvariantCulture, $$"""
                      - id: bench-extra-{{i}}
                        name: { zh: 测试{{i}}, en: Bench {{i}} }
                        audience: emergency
                        category: Met
                        watch: { kinds: [{{kind}}] }
                        cooldown: 1h
                        levels:
                          - severity: blue
                            when: { threshold: { field: {{field}}, at_least: {{100 + i}} } }
                        message: { zh: "测试", en: "bench" }

                    """);
            }

            files.Add((extra.ToString(), "bench-extra.yaml"));
        }

        _rules = RuleLoader.Load(files, Fleet.Registry);
    }

    /// <summary>A fresh engine per iteration, so every iteration judges the same readings from the same state.</summary>
    [IterationSetup]
    public void FreshEngine() =>
        _engine = new AlertEngine(_rules, Fleet.Registry, TimeSpan.FromHours(2), AbsenceClock.Watermark, Fleet.T0, Fleet.Quality);

    /// <summary>1,000 live gauge readings through the engine.</summary>
    [Benchmark]
    public int Evaluate()
    {
        int changes = 0;
        DateTimeOffset wallNow = Fleet.T0.AddDays(1);
        foreach (Reading reading in _readings)
        {
            changes += _engine.Process(reading, wallNow).Changes.Count;
        }

        return changes;
    }
}
