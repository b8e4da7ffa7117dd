using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Time;
using System.CommandLine;
using System.Globalization;
using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.FireWeather;
using GardenCity.Monitoring.Alerting.Readings;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Host.Settings;
using Microsoft.Extensions.Configuration;
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
        var config = new Option<string?>("--config") { Description = "A JSON configuration file, applied over appsettings.json, as for run." };
        var set = new Option<string[]>("--set") { Description = "A configuration value KEY=VALUE, applied last, as for run; repeatable.", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.ZeroOrMore };
        var influx = new Option<string?>("--influx-url") { Description = "InfluxDB URL (v1 /query API). The default is GardenCity:Influx:Url of the configuration (as run reads it)." };
        var database = new Option<string?>("--database") { Description = "InfluxDB database. The default is GardenCity:Influx:Database of the configuration." };
        var backtestDir = new Option<string?>("--dir") { Description = "The rules folder. The default is GardenCity:Alerting:RulesDirectory of the configuration (deploy/rules)." };
        var backtestRegistry = new Option<string?>("--registry") { Description = "The station registry. The default is GardenCity:RegistryPath of the configuration (deploy/stations.yaml)." };
        var format = new Option<string>("--format") { Description = "table (for people), json or csv (for scripts and notebooks).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json", "csv");
        var backtest = new Command("backtest", "Run the rules over readings stored in InfluxDB and list the alerts they would have raised. Reads the same configuration as run (appsettings.json, --config, GARDENCITY_ environment variables, --set).")
        {
            backtestDir, backtestRegistry, from, to, config, set, influx, database, format,
        };
        backtest.SetAction((result, ct) => BacktestAsync(
            new BacktestRequest(result.GetValue(backtestDir), result.GetValue(backtestRegistry), result.GetValue(from)!, result.GetValue(to)!, result.GetValue(config), result.GetValue(set) ?? [],
                result.GetValue(influx), result.GetValue(database), result.GetValue(format)!), ct));
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

    /// <summary>What <c>rules backtest</c> was asked; null options fall back to the configuration.</summary>
    private sealed record BacktestRequest(string? Dir, string? Registry, string From, string To, string? ConfigFile, IReadOnlyList<string> Settings, string? InfluxUrl, string? Database, string Format);

    private static async Task<int> BacktestAsync(BacktestRequest request, CancellationToken cancellationToken)
    {
        if (!TryParseTime(request.From, "--from", out DateTimeOffset from) || !TryParseTime(request.To, "--to", out DateTimeOffset to))
        {
            return ExitCodes.BadConfiguration;
        }

        if (to <= from || to - from > TimeSpan.FromDays(366))
        {
            Console.Error.WriteLine("--to must be after --from, and the period at most 366 days.");
            return ExitCodes.BadConfiguration;
        }

        // The configuration run reads, so that the backtest finds the same InfluxDB, registry and rules.
        var configuration = new ConfigurationManager();
        if (!HostConfiguration.Add(configuration, request.ConfigFile, roles: null, request.Settings, Console.Error))
        {
            return ExitCodes.BadConfiguration;
        }

        InfluxOptions influx = configuration.GetSection(InfluxOptions.SectionName).Get<InfluxOptions>() ?? new InfluxOptions();
        influx.Url = request.InfluxUrl ?? influx.Url;
        influx.Database = request.Database ?? influx.Database;
        string dir = request.Dir ?? (configuration.GetSection(AlertingOptions.SectionName).Get<AlertingOptions>() ?? new AlertingOptions()).RulesDirectory;
        string registryFile = request.Registry ?? (configuration.GetSection(HostingOptions.SectionName).Get<HostingOptions>() ?? new HostingOptions()).RegistryPath;
        if (Load(dir, registryFile) is not { } loaded)
        {
            return ExitCodes.BadConfiguration;
        }

        // The FWI's fire season, as run computes it (docs/fire-weather.md).
        FireSeasonOptions season;
        try
        {
            season = configuration.GetSection(FireSeasonOptions.SectionName).Get<FireSeasonOptions>() ?? new FireSeasonOptions();
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"{FireSeasonOptions.SectionName}: {ex.Message}");
            return ExitCodes.BadConfiguration;
        }

        if (new FireSeasonOptionsValidator().Validate(null, season) is { Failed: true } bad)
        {
            foreach (string failure in bad.Failures)
            {
                Console.Error.WriteLine(failure);
            }

            return ExitCodes.BadConfiguration;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var reader = new InfluxReadingReader(new InfluxQlClient(http, Options.Create(influx)), loaded.Registry);
        var engine = new AlertEngine(loaded.Rules, loaded.Registry, TimeSpan.FromDays(3650), AbsenceClock.Watermark, from, fireSeason: season);
        IReadOnlyList<AlertChange> changes;
        try
        {
            changes = request.Format != "table" || Console.IsOutputRedirected
                ? await Backtest.RunAsync(engine, reader.ReadAsync, from, to, null, cancellationToken).ConfigureAwait(false)
                : await AnsiConsole.Progress().AutoClear(true).StartAsync(async ctx =>
                {
                    ProgressTask task = ctx.AddTask("backtest", maxValue: 1);
                    return await Backtest.RunAsync(engine, reader.ReadAsync, from, to, new Progress<double>(f => task.Value = f), cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"Reading from InfluxDB at {influx.Url} (database {influx.Database}) failed: {ex.Message} Set GardenCity:Influx:Url as for run (--config, GARDENCITY_GardenCity__Influx__Url, --set) or --influx-url.");
            return ExitCodes.Failure;
        }

        switch (request.Format)
        {
            case "json":
                BacktestOutput.WriteJson(Console.Out, changes, from, to, engine.Active.Count);
                break;
            case "csv":
                BacktestOutput.WriteCsv(Console.Out, changes);
                break;
            default:
                WriteTable(changes, engine.Active.Count);
                break;
        }

        return ExitCodes.Ok;
    }

    private static void WriteTable(IReadOnlyList<AlertChange> changes, int active)
    {
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
            table.AddRow(
                c.Alert.UpdatedAt.ToBeijingTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                c.Transition.ToString().ToLowerInvariant(),
                BacktestOutput.Shown(c).ToName(),
                Markup.Escape(c.Alert.RuleId),
                Markup.Escape(c.Alert.StationId),
                Markup.Escape(c.Alert.MessageEn));
        }

        AnsiConsole.Write(table);
        int raised = changes.Count(c => c.Transition == Transition.Raised);
        int resolved = changes.Count(c => c.Transition == Transition.Resolved);
        Console.WriteLine($"{changes.Count} changes: {raised} raised, {resolved} resolved, {active} still active at the end");
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
