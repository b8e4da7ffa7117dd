using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using GardenCity.Monitoring.LoadGen;

// gardencity-load: the end-to-end load generator (bench/load.sh runs it; bench/README.md, "End-to-end load").
var stationsOption = new Option<int>("--stations") { Description = "Stations, one MQTT connection each (load-wl-00000 …).", DefaultValueFactory = _ => 200 };
stationsOption.Validators.Add(r => AtLeast(r, r.GetValueOrDefault<int>(), 1));
var passwordOption = new Option<string?>("--password") { Description = "Station password (user name = client id = station id); none: connect anonymously, as to the bench Mosquitto." };

var outOption = new Option<string>("--out") { Description = "Registry file to write.", Required = true };
var registry = new Command("registry", "Write the registry the load is valid for: water-level gauges load-wl-NNNNN, warning level 3.0 m, guaranteed 4.5 m.")
{
    stationsOption, outOption, passwordOption,
};
registry.SetAction(async (parse, ct) =>
{
    string password = parse.GetValue(passwordOption) ?? "gc-load";
    await File.WriteAllTextAsync(parse.GetValue(outOption)!, RegistryWriter.Yaml(parse.GetValue(stationsOption), password), ct);
    Console.WriteLine($"Wrote {parse.GetValue(stationsOption)} stations to {parse.GetValue(outOption)} (password '{password}').");
    return 0;
});

var caseOption = new Option<string>("--case") { Description = "Name of the case, copied into the report.", DefaultValueFactory = _ => "load" };
var hostOption = new Option<string>("--host") { Description = "MQTT broker host.", DefaultValueFactory = _ => "127.0.0.1" };
var portOption = new Option<int>("--port") { Description = "MQTT broker port.", DefaultValueFactory = _ => 1883 };
portOption.Validators.Add(r => { int p = r.GetValueOrDefault<int>(); if (p is < 1 or > 65535) { r.AddError($"--port {p}: a TCP port is 1–65535."); } });
var readingsOption = new Option<int>("--readings") { Description = "Readings per station.", DefaultValueFactory = _ => 500 };
readingsOption.Validators.Add(r => AtLeast(r, r.GetValueOrDefault<int>(), 1));
var rateOption = new Option<double>("--rate") { Description = "Paced: readings per second over all stations; 0 = flood, as fast as acknowledged.", DefaultValueFactory = _ => 0 };
rateOption.Validators.Add(r => { if (r.GetValueOrDefault<double>() < 0) { r.AddError("--rate must not be negative (0 = flood)."); } });
var windowOption = new Option<int>("--window") { Description = "Unacknowledged QoS 1 messages per connection (Mosquitto's default receive maximum is 20).", DefaultValueFactory = _ => 16 };
windowOption.Validators.Add(r => { int w = r.GetValueOrDefault<int>(); if (w is < 1 or > 65535) { r.AddError($"--window {w}: 1–65535 messages in flight per connection."); } });
var sinkOption = new Option<Sink>("--sink") { Description = "Where readings are counted: influx (publish → stored), mqtt (a plain subscriber: the broker alone), none (publish only).", DefaultValueFactory = _ => Sink.Influx };
var influxOption = new Option<string>("--influx-url") { Description = "InfluxDB 1.x HTTP API.", DefaultValueFactory = _ => "http://127.0.0.1:8086" };
influxOption.Validators.Add(r => { if (!Uri.TryCreate(r.GetValueOrDefault<string>(), UriKind.Absolute, out Uri? u) || u.Scheme is not ("http" or "https")) { r.AddError($"--influx-url '{r.GetValueOrDefault<string>()}' is not an http(s) URL."); } });
var databaseOption = new Option<string>("--database") { Description = "InfluxDB database the worker writes (GardenCity:Influx:Database).", DefaultValueFactory = _ => "gardencity" };
var pollOption = new Option<int>("--poll-ms") { Description = "How often InfluxDB's counts are read: the resolution of publish → stored.", DefaultValueFactory = _ => 100 };
pollOption.Validators.Add(r => AtLeast(r, r.GetValueOrDefault<int>(), 10));
var stallOption = new Option<int>("--stall-seconds") { Description = "After publishing, stop waiting when nothing new arrived for this long (the rest is lost).", DefaultValueFactory = _ => 30 };
stallOption.Validators.Add(r => AtLeast(r, r.GetValueOrDefault<int>(), 1));
var maxOption = new Option<int>("--max-seconds") { Description = "The whole run ends after this long.", DefaultValueFactory = _ => 900 };
maxOption.Validators.Add(r => AtLeast(r, r.GetValueOrDefault<int>(), 1));
var offsetOption = new Option<int>("--ts-offset-seconds") { Description = "Added to the wall clock for ts; negative backdates (a backlog behind the lateness horizon).", DefaultValueFactory = _ => 0 };
var intervalOption = new Option<int>("--ts-interval-seconds") { Description = "0: ts is the wall clock at publish. Otherwise a station's readings are measured this far apart, ending one interval before the start plus --ts-offset-seconds: a backlog buffered while the link was down, delivered at once.", DefaultValueFactory = _ => 0 };
intervalOption.Validators.Add(r => AtLeast(r, r.GetValueOrDefault<int>(), 0));
var alertStationsOption = new Option<int>("--alert-stations") { Description = "The first N stations cross the flood-level rule's four levels once, mid-run (needs at least 8 readings per station).", DefaultValueFactory = _ => 0 };
alertStationsOption.Validators.Add(r => AtLeast(r, r.GetValueOrDefault<int>(), 0));
var alertsOption = new Option<bool>("--alerts") { Description = "Subscribe to gc/v1/alerts/# and match alerts to the crossings (publish → alert)." };
var alertWaitOption = new Option<int>("--alert-wait-seconds") { Description = "After everything is stored, wait at most this long for crossing alerts still to come.", DefaultValueFactory = _ => 10 };
var drainOption = new Option<string?>("--drain-start-file") { Description = "After publishing, wait for this file (Unix ms of the drain start) and time the drain from it." };
var reportOption = new Option<string?>("--report") { Description = "Write the JSON report to this file too." };

var run = new Command("run", "Publish the load and measure where it arrives; prints a JSON report. Exit 0: every reading arrived; 1: a reading was lost, a publish failed, or an argument is wrong (named); 2: the broker could not be reached or refused a station.")
{
    caseOption, hostOption, portOption, passwordOption, stationsOption, readingsOption, rateOption, windowOption, sinkOption, influxOption, databaseOption,
    pollOption, stallOption, maxOption, offsetOption, intervalOption, alertStationsOption, alertsOption, alertWaitOption, drainOption, reportOption,
};
run.Validators.Add(r =>
{
    int stations = r.GetValue(stationsOption), alertStations = r.GetValue(alertStationsOption), readings = r.GetValue(readingsOption);
    if (alertStations > stations)
    {
        r.AddError($"--alert-stations {alertStations} is more than --stations {stations}.");
    }
    else if (alertStations > 0 && readings < 8)
    {
        r.AddError($"--alert-stations needs --readings of at least 8 per station (the crossings sit in the middle half of the run), not {readings}.");
    }

    if (r.GetValue(alertsOption) && alertStations == 0)
    {
        r.AddError("--alerts needs --alert-stations > 0: without crossings there is nothing to time.");
    }
});
run.SetAction(async (parse, ct) =>
{
    var options = new LoadOptions
    {
        CaseName = parse.GetValue(caseOption)!,
        Host = parse.GetValue(hostOption)!,
        Port = parse.GetValue(portOption),
        Password = parse.GetValue(passwordOption),
        Plan = new LoadPlan(parse.GetValue(stationsOption), parse.GetValue(readingsOption), parse.GetValue(alertStationsOption)),
        Rate = parse.GetValue(rateOption),
        Window = parse.GetValue(windowOption),
        Sink = parse.GetValue(sinkOption),
        InfluxUrl = parse.GetValue(influxOption)!,
        Database = parse.GetValue(databaseOption)!,
        PollInterval = TimeSpan.FromMilliseconds(parse.GetValue(pollOption)),
        StallTimeout = TimeSpan.FromSeconds(parse.GetValue(stallOption)),
        MaxDuration = TimeSpan.FromSeconds(parse.GetValue(maxOption)),
        TsOffset = TimeSpan.FromSeconds(parse.GetValue(offsetOption)),
        TsInterval = TimeSpan.FromSeconds(parse.GetValue(intervalOption)),
        Alerts = parse.GetValue(alertsOption),
        AlertWait = TimeSpan.FromSeconds(parse.GetValue(alertWaitOption)),
        DrainStartFile = parse.GetValue(drainOption),
        ReportPath = parse.GetValue(reportOption),
    };
    LoadReport report;
    try
    {
        report = await new LoadRunner(options, TimeProvider.System, Console.Error).RunAsync(ct);
    }
    catch (LoadException ex)
    {
        Console.Error.WriteLine($"gardencity-load: {ex.Message}");
        return 2;
    }
    catch (OperationCanceledException)
    {
        Console.Error.WriteLine($"gardencity-load: stopped by --max-seconds {parse.GetValue(maxOption)} or Ctrl+C before there was anything to report.");
        return 2;
    }

    string json = JsonSerializer.Serialize(report, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    Console.WriteLine(json);
    if (options.ReportPath is { } path)
    {
        await File.WriteAllTextAsync(path, json + "\n", ct);
    }

    return report.Lost == 0 && report.PublishFailures == 0 ? 0 : 1;
});

var root = new RootCommand("gardencity-load: stations publishing wire contract v1 readings over MQTT at QoS 1, and the probes that time them end to end.") { registry, run };
return await root.Parse(args).InvokeAsync();

static void AtLeast(System.CommandLine.Parsing.OptionResult result, int value, int minimum)
{
    if (value < minimum)
    {
        result.AddError(string.Create(CultureInfo.InvariantCulture, $"{result.IdentifierToken?.Value ?? result.Option.Name} {value}: must be at least {minimum}."));
    }
}
