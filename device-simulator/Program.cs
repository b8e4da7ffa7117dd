using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.DeviceSimulator.Model;
using GardenCity.Monitoring.DeviceSimulator.Publishing;
using GardenCity.Monitoring.DeviceSimulator.Scenarios;
using MQTTnet.Protocol;
using Spectre.Console;

var registryOption = new Option<string>("--registry") { Description = "Station registry to simulate.", DefaultValueFactory = _ => "deploy/stations.yaml" };
var scenarioOption = new Option<string>("--scenario") { Description = "What happens: " + string.Join(", ", Scenario.Names) + ".", DefaultValueFactory = _ => "normal" };
scenarioOption.AcceptOnlyFromAmong([.. Scenario.Names]);
var seedOption = new Option<ulong>("--seed") { Description = "Seed: the same seed gives the same messages.", DefaultValueFactory = _ => 1 };
var startOption = new Option<DateTimeOffset?>("--start") { Description = "Simulated start time with a zone (e.g. 2023-07-29T20:00:00+08:00); replays default to their event's date, live scenarios end about now." };
var durationOption = new Option<TimeSpan?>("--duration") { Description = "Simulated duration (d.hh:mm:ss); each scenario has a default." };
var speedOption = new Option<double>("--speed") { Description = "Simulated seconds per real second; 0 = as fast as possible.", DefaultValueFactory = _ => 60 };
var rateOption = new Option<double>("--rate") { Description = "At most this many messages per second; 0 = no limit.", DefaultValueFactory = _ => 0 };
var concurrencyOption = new Option<int>("--concurrency") { Description = "Most messages in flight at once across stations (each station still sends in order, one at a time).", DefaultValueFactory = _ => 32 };
var stationsOption = new Option<int>("--stations") { Description = "Fleet size: clones registry stations beyond its size (0 = the registry as is).", DefaultValueFactory = _ => 0 };
var writeRegistryOption = new Option<string?>("--write-registry") { Description = "Write the (scaled) fleet as a registry file for gardencity, then exit." };
var hostOption = new Option<string>("--host") { Description = "MQTT broker host.", DefaultValueFactory = _ => "127.0.0.1" };
var portOption = new Option<int>("--port") { Description = "MQTT broker port.", DefaultValueFactory = _ => 1883 };
var qosOption = new Option<int>("--qos") { Description = "QoS of station messages (0, 1 or 2).", DefaultValueFactory = _ => 1 };
qosOption.AcceptOnlyFromAmong("0", "1", "2");
var passwordOption = new Option<string>("--password-template") { Description = "Station password; {id} is replaced by the station id.", DefaultValueFactory = _ => "gc-dev-{id}" };
var reportOption = new Option<string?>("--report") { Description = "Write what was published (counts per kind and station, expected points) as JSON." };
var dryRunOption = new Option<string?>("--dry-run") { Description = "Write the messages as JSON lines to this file ('-' for standard output) instead of publishing." };

var root = new RootCommand("gardencity-sim: a simulated Mentougou station fleet publishing wire contract v1 over MQTT.")
{
    registryOption, scenarioOption, seedOption, startOption, durationOption, speedOption, rateOption, concurrencyOption, stationsOption, writeRegistryOption,
    hostOption, portOption, qosOption, passwordOption, reportOption, dryRunOption,
};
root.SetAction(async (parse, cancellationToken) =>
{
    StationRegistry registry;
    try
    {
        registry = StationRegistryLoader.LoadFile(parse.GetValue(registryOption)!);
    }
    catch (RegistryException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }

    double speed = parse.GetValue(speedOption), rate = parse.GetValue(rateOption);
    if (speed < 0 || rate < 0 || parse.GetValue(stationsOption) < 0 || parse.GetValue(concurrencyOption) < 1)
    {
        Console.Error.WriteLine("--speed, --rate and --stations must not be negative, --concurrency at least 1.");
        return 2;
    }

    IReadOnlyList<Station> fleet = Fleet.Build(registry, parse.GetValue(stationsOption));
    if (parse.GetValue(writeRegistryOption) is { } registryOut)
    {
        await File.WriteAllTextAsync(registryOut, Fleet.ToYaml(registry, fleet), cancellationToken);
        Console.WriteLine($"Wrote {fleet.Count} stations to {registryOut}.");
        return 0;
    }

    ulong seed = parse.GetValue(seedOption);
    Scenario scenario = Scenario.Create(parse.GetValue(scenarioOption)!)!;
    TimeSpan duration = parse.GetValue(durationOption) ?? scenario.DefaultDuration;
    if (duration <= TimeSpan.Zero)
    {
        Console.Error.WriteLine("--duration must be positive.");
        return 2;
    }

    TimeProvider time = TimeProvider.System;
    DateTimeOffset start = parse.GetValue(startOption) ?? scenario.DefaultStart
        ?? time.GetUtcNow() - duration + (speed > 0 ? duration / Math.Max(1, speed) : TimeSpan.Zero);
    var stations = fleet.Select(s => new SimStation(s, seed)).ToList();
    var simulation = new Simulation(stations, scenario, seed, start, duration);
    string? dryRunPath = parse.GetValue(dryRunOption);
    TextWriter? dryRun = dryRunPath is null ? null : dryRunPath == "-" ? Console.Out : new StreamWriter(dryRunPath);
    var settings = new BrokerSettings(parse.GetValue(hostOption)!, parse.GetValue(portOption), (MqttQualityOfServiceLevel)parse.GetValue(qosOption), parse.GetValue(passwordOption)!, TimeSpan.FromSeconds(10));
    await using FleetPublisher? publisher = dryRunPath is null ? new FleetPublisher(settings) : null;
    var runner = new SimulatorRunner(time);
    IAnsiConsole console = dryRunPath == "-" ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
    console.MarkupLine($"[bold]{scenario.Name}[/]: {Markup.Escape(scenario.Description)}");
    console.MarkupLine($"{stations.Count} stations, simulated {simulation.Start:yyyy-MM-dd HH:mm}Z → {simulation.End:yyyy-MM-dd HH:mm}Z, seed {seed}, speed {(speed > 0 ? speed.ToString(CultureInfo.InvariantCulture) + "×" : "max")}"
        + (publisher is null ? ", dry run" : $", broker {Markup.Escape(settings.Host)}:{settings.Port}"));

    SimReport report;
    try
    {
        if (console.Profile.Capabilities.Interactive)
        {
            report = await console.Progress().AutoClear(false).StartAsync(async ctx =>
            {
                ProgressTask task = ctx.AddTask("simulated time", maxValue: (simulation.End - simulation.Start).TotalMinutes);
                var progress = new Progress<(DateTimeOffset SimTime, long Messages)>(p =>
                {
                    task.Value = (p.SimTime - simulation.Start).TotalMinutes;
                    task.Description = $"{p.SimTime:MM-dd HH:mm}Z, {p.Messages} messages";
                });
                return await runner.RunAsync(simulation, scenario.Name, seed, publisher, dryRun, speed, rate, progress, cancellationToken, parse.GetValue(concurrencyOption));
            });
        }
        else
        {
            int lastDecile = -1;
            var progress = new Progress<(DateTimeOffset SimTime, long Messages)>(p =>
            {
                int decile = (int)(10 * (p.SimTime - simulation.Start) / (simulation.End - simulation.Start));
                if (decile > lastDecile)
                {
                    lastDecile = decile;
                    console.WriteLine($"{decile * 10,3}%  simulated {p.SimTime:yyyy-MM-dd HH:mm}Z, {p.Messages} messages");
                }
            });
            report = await runner.RunAsync(simulation, scenario.Name, seed, publisher, dryRun, speed, rate, progress, cancellationToken, parse.GetValue(concurrencyOption));
        }
    }
    catch (Exception ex) when (ex is InvalidOperationException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
    {
        Console.Error.WriteLine($"Stopped: {ex.Message}");
        return 1;
    }
    finally
    {
        if (dryRun is not null && dryRun != Console.Out)
        {
            await dryRun.DisposeAsync();
        }
    }

    var table = new Table().AddColumns("kind", "messages", "samples");
    foreach ((string kind, Counts counts) in report.ByKind)
    {
        table.AddRow(kind, counts.Messages.ToString(CultureInfo.InvariantCulture), counts.Samples.ToString(CultureInfo.InvariantCulture));
    }

    table.AddRow("[bold]all[/]", report.Messages.ToString(CultureInfo.InvariantCulture), report.Samples.ToString(CultureInfo.InvariantCulture));
    console.Write(table);
    if (report.ExpectedRejections.Count > 0)
    {
        console.WriteLine($"malformed messages sent: {report.ExpectedRejections.Values.Sum()} ({string.Join(", ", report.ExpectedRejections.Select(kv => $"{kv.Key} {kv.Value}"))})");
    }

    console.WriteLine($"backlog messages {report.BacklogMessages}, wills {report.Wills}, samples lost at stations {report.SamplesLostAtStations}, publish failures {report.PublishFailures}");
    if (parse.GetValue(reportOption) is { } reportPath)
    {
        await File.WriteAllTextAsync(reportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
    }

    return report.PublishFailures == 0 ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();
