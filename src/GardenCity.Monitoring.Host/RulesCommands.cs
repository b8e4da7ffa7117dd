using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Time;
using System.CommandLine;
using System.Globalization;
using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Readings;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Rule = GardenCity.Monitoring.Alerting.Rules.Rule;

namespace GardenCity.Monitoring.Host;

/// <summary><c>gardencity rules check</c> and <c>gardencity rules backtest</c>.</summary>
internal static class RulesCommands
{
    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "The rules folder.", DefaultValueFactory = _ => "deploy/rules" };
        var registryFile = new Option<string>("--registry") { Description = "The station registry.", DefaultValueFactory = _ => "deploy/stations.yaml" };
        var check = new Command("check", "Validate the rule files against the registry and list the rules.") { dir, registryFile };
        check.SetAction(result => Check(result.GetValue(dir)!, result.GetValue(registryFile)!));

        var from = new Option<string>("--from") { Description = "Start, ISO 8601 with a zone (e.g. 2023-07-29T20:00:00+08:00).", Required = true };
        var to = new Option<string>("--to") { Description = "End, ISO 8601 with a zone.", Required = true };
        var influx = new Option<string>("--influx-url") { Description = "InfluxDB URL (v1 /query API).", DefaultValueFactory = _ => "http://127.0.0.1:8086" };
        var database = new Option<string>("--database") { Description = "InfluxDB database.", DefaultValueFactory = _ => "gardencity" };
        var backtest = new Command("backtest", "Run the rules over readings stored in InfluxDB and list the alerts they would have raised.")
        {
            dir, registryFile, from, to, influx, database,
        };
        backtest.SetAction((result, ct) => BacktestAsync(
            result.GetValue(dir)!, result.GetValue(registryFile)!, result.GetValue(from)!, result.GetValue(to)!, result.GetValue(influx)!, result.GetValue(database)!, ct));
        return new Command("rules", "Alert rule tools.") { check, backtest };
    }

    private static int Check(string dir, string registryFile)
    {
        if (Load(dir, registryFile) is not { } loaded)
        {
            return ExitCodes.BadConfiguration;
        }

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 240;
        }

        var table = new Table().AddColumns("rule", "audience", "watches", "levels", "cooldown", "source");
        foreach (Rule rule in loaded.Rules.Rules)
        {
            int stations = loaded.Registry.Stations.Count(rule.Scope.Matches);
            table.AddRow(
                Markup.Escape(rule.Id),
                rule.Audience.ToString().ToLowerInvariant(),
                $"{stations} stations",
                string.Join(" ", rule.Levels.Select(l => l.Severity.ToName())),
                rule.Cooldown.ToString(),
                Markup.Escape(rule.Source));
        }

        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"{dir}: OK, {loaded.Rules.Rules.Count} rules in {loaded.Rules.Files.Count} files");
        return ExitCodes.Ok;
    }

    private static async Task<int> BacktestAsync(string dir, string registryFile, string fromText, string toText, string influxUrl, string database, CancellationToken cancellationToken)
    {
        if (!TryParseTime(fromText, "--from", out DateTimeOffset from) || !TryParseTime(toText, "--to", out DateTimeOffset to))
        {
            return ExitCodes.BadConfiguration;
        }

        if (to <= from || to - from > TimeSpan.FromDays(366))
        {
            Console.Error.WriteLine("--to must be after --from, and the period at most 366 days.");
            return ExitCodes.BadConfiguration;
        }

        if (Load(dir, registryFile) is not { } loaded)
        {
            return ExitCodes.BadConfiguration;
        }

        var options = Options.Create(new InfluxOptions { Url = influxUrl, Database = database });
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var reader = new InfluxReadingReader(new InfluxQlClient(http, options), loaded.Registry);
        var engine = new AlertEngine(loaded.Rules, loaded.Registry, TimeSpan.FromDays(3650), AbsenceClock.Watermark, from);
        IReadOnlyList<AlertChange> changes;
        try
        {
            changes = await AnsiConsole.Progress().AutoClear(true).StartAsync(async ctx =>
            {
                ProgressTask task = ctx.AddTask("backtest", maxValue: 1);
                return await Backtest.RunAsync(engine, reader.ReadAsync, from, to, new Progress<double>(f => task.Value = f), cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"Reading from InfluxDB at {influxUrl} failed: {ex.Message}");
            return ExitCodes.Failure;
        }

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 240; // a log or a pipe: one row per line
        }

        var table = new Table()
            .AddColumn(new TableColumn("time (UTC+8)").NoWrap())
            .AddColumn(new TableColumn("change").NoWrap())
            .AddColumn(new TableColumn("severity").NoWrap())
            .AddColumn(new TableColumn("rule").NoWrap())
            .AddColumn(new TableColumn("station").NoWrap())
            .AddColumn("message");
        foreach (AlertChange c in changes)
        {
            Severity shown = c.Alert.Severity == Severity.None ? c.Previous : c.Alert.Severity;
            table.AddRow(
                c.Alert.UpdatedAt.ToBeijingTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                c.Transition.ToString().ToLowerInvariant(),
                shown.ToName(),
                Markup.Escape(c.Alert.RuleId),
                Markup.Escape(c.Alert.StationId),
                Markup.Escape(c.Alert.MessageEn));
        }

        AnsiConsole.Write(table);
        int raised = changes.Count(c => c.Transition == Transition.Raised);
        int resolved = changes.Count(c => c.Transition == Transition.Resolved);
        Console.WriteLine($"{changes.Count} changes: {raised} raised, {resolved} resolved, {engine.Active.Count} still active at the end");
        return ExitCodes.Ok;
    }

    private static bool TryParseTime(string text, string option, out DateTimeOffset time)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out time) && (text.EndsWith('Z') || text.Contains('+', StringComparison.Ordinal) || text.LastIndexOf('-') > 9))
        {
            return true;
        }

        Console.Error.WriteLine($"{option} '{text}' is not an ISO 8601 time with a zone, e.g. 2023-07-29T20:00:00+08:00.");
        return false;
    }

    private static (RuleSet Rules, StationRegistry Registry)? Load(string dir, string registryFile)
    {
        try
        {
            StationRegistry registry = StationRegistryLoader.LoadFile(registryFile);
            return (RuleLoader.LoadDirectory(dir, registry), registry);
        }
        catch (RegistryException ex)
        {
            Console.Error.WriteLine(ex.Message);
        }
        catch (RuleFileException ex)
        {
            Console.Error.WriteLine(ex.Message);
        }

        return null;
    }
}
