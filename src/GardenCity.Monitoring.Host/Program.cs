using System.CommandLine;
using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Host;
using GardenCity.Monitoring.Messaging.Broker;

var configOption = new Option<string?>("--config") { Description = "A JSON configuration file, applied over appsettings.json." };
var rolesOption = new Option<string?>("--roles") { Description = "Comma-separated roles to run (broker, ingest, alerting, api); overrides GardenCity:Roles." };
var setOption = new Option<string[]>("--set") { Description = "A configuration value KEY=VALUE, applied last; repeatable.", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.ZeroOrMore };
var run = new Command("run", """
    Run the configured roles until Ctrl-C. Roles (--roles or GardenCity:Roles, comma-separated; the default is ingest):
      broker    the embedded MQTT broker stations connect to (added by itself when GardenCity:Mqtt:Host is empty; 127.0.0.1:1883)
      ingest    decode station messages and store them in InfluxDB (spool on disk while InfluxDB is down)
      alerting  evaluate the rules in GardenCity:Alerting:RulesDirectory; alerts over MQTT, webhooks, CAP, history
      api       the query API (/api/v1), its OpenAPI document and the dashboard on GardenCity:Api:Url (127.0.0.1:8080)
    Health (/healthz, /readyz) and metrics (/metrics) are on GardenCity:Health:Url.
    """)
{
    configOption, rolesOption, setOption,
};
run.SetAction((result, ct) => RunCommand.RunAsync(result.GetValue(configOption), result.GetValue(rolesOption), result.GetValue(setOption) ?? [], Console.Error, ct));

var fileOption = new Option<string>("--file") { Description = "The registry file.", DefaultValueFactory = _ => "deploy/stations.yaml" };
var check = new Command("check", "Validate the station registry file and summarise it.") { fileOption };
check.SetAction(result =>
{
    string path = result.GetValue(fileOption)!;
    try
    {
        StationRegistry registry = StationRegistryLoader.LoadFile(path);
        Console.WriteLine($"{path}: OK, {registry.Count} stations at {registry.Sites.Count} sites");
        foreach (IGrouping<StationKind, Station> kind in registry.Stations.GroupBy(s => s.Kind).OrderBy(g => g.Key))
        {
            Console.WriteLine($"  {kind.Key.ToWireName(),-12} {kind.Count(),4}");
        }

        return 0;
    }
    catch (RegistryException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }
});

var hash = new Command("hash-password", "Print the hash of a station password for the registry's password_hash: asks for it without echo in a terminal, reads one line of standard input otherwise.");
hash.SetAction(_ => PasswordPrompt.Run(Console.In, Console.Out, Console.Error, interactive: !Console.IsInputRedirected));

var aclFileOption = new Option<string>("--file") { Description = "The registry file.", DefaultValueFactory = _ => "deploy/stations.yaml" };
var serviceOption = new Option<string[]>("--service") { Description = "A service account (worker user name) to include; repeatable.", DefaultValueFactory = _ => ["gardencity-ingest", "gardencity-alerting"], Arity = ArgumentArity.OneOrMore };
var acl = new Command("mosquitto-acl", "Print a Mosquitto acl_file for the registry: each station writes only its own topics.") { aclFileOption, serviceOption };
acl.SetAction(result =>
{
    try
    {
        Console.Write(MosquittoAcl.Build(StationRegistryLoader.LoadFile(result.GetValue(aclFileOption)!), result.GetValue(serviceOption)!));
        return 0;
    }
    catch (RegistryException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }
});

var emqxFileOption = new Option<string>("--file") { Description = "The registry file.", DefaultValueFactory = _ => "deploy/stations.yaml" };
var emqxAccountOption = new Option<string[]>("--service-account") { Description = "A service account as NAME=HASH (HASH from 'gardencity registry hash-password'); repeatable.", Arity = ArgumentArity.OneOrMore };
var emqxUsers = new Command("emqx-users", "Print the EMQX 5 built-in database bootstrap file (JSON, bootstrap_type = hash) for the registry's stations and the given service accounts; the PBKDF2 settings emqx.conf needs go to standard error.") { emqxFileOption, emqxAccountOption };
emqxUsers.SetAction(result =>
{
    var accounts = new List<BrokerAccount>();
    foreach (string spec in result.GetValue(emqxAccountOption) ?? [])
    {
        int eq = spec.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == spec.Length - 1)
        {
            Console.Error.WriteLine($"--service-account '{spec}': expected NAME=HASH, e.g. gardencity-ingest=pbkdf2-sha256$100000$...");
            return 2;
        }

        accounts.Add(new BrokerAccount { Username = spec[..eq], PasswordHash = spec[(eq + 1)..] });
    }

    try
    {
        EmqxUsers users = EmqxFiles.BuildUsers(StationRegistryLoader.LoadFile(result.GetValue(emqxFileOption)!), accounts);
        Console.Write(users.Json);
        Console.Error.WriteLine($"{users.Count} users. emqx.conf: password_hash_algorithm {{ name = pbkdf2, mac_fun = sha256, iterations = {users.Iterations}, dk_length = 32 }}");
        return 0;
    }
    catch (RegistryException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }
    catch (EmqxExportException ex)
    {
        Console.Error.WriteLine($"{result.GetValue(emqxFileOption)}: {ex.Message}");
        return 2;
    }
});

var emqxAclFileOption = new Option<string>("--file") { Description = "The registry file.", DefaultValueFactory = _ => "deploy/stations.yaml" };
var emqxServiceOption = new Option<string[]>("--service") { Description = "A service account (worker user name) to include; repeatable.", DefaultValueFactory = _ => ["gardencity-ingest", "gardencity-alerting"], Arity = ArgumentArity.OneOrMore };
var perStationOption = new Option<bool>("--per-station") { Description = "One rule pair per station naming its kind and id (exact; for a few hundred stations). The default is two rules for all stations with the ${username} placeholder, which scales to 100,000." };
var emqxAcl = new Command("emqx-acl", "Print an EMQX 5 acl.conf (file authorizer, Erlang terms) for the registry: each station writes only its own topics.") { emqxAclFileOption, emqxServiceOption, perStationOption };
emqxAcl.SetAction(result =>
{
    try
    {
        Console.Write(EmqxFiles.BuildAcl(StationRegistryLoader.LoadFile(result.GetValue(emqxAclFileOption)!), result.GetValue(emqxServiceOption)!, result.GetValue(perStationOption)));
        return 0;
    }
    catch (RegistryException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }
});

var registryCommand = new Command("registry", "Station registry tools.") { check, hash, acl, emqxUsers, emqxAcl };

var keyName = new Option<string>("--name") { Description = "Who holds the key (recorded when they acknowledge an alert).", Required = true };
var keyRole = new Option<string>("--role") { Description = "reader, responder, reviewer or admin.", DefaultValueFactory = _ => "reader" };
var keyIndex = new Option<int>("--index") { Description = "Its position in GardenCity:Api:Keys: 0 for the first key, the next free number when keys are configured already.", DefaultValueFactory = _ => 0 };
var newKey = new Command("new-key", "Make an API key: prints the key once (give it to its holder) and its configuration entry (the hash, never the key) as a JSON snippet, as environment variables and as --set arguments.") { keyName, keyRole, keyIndex };
newKey.SetAction(result =>
{
    string name = result.GetValue(keyName)!;
    string role = result.GetValue(keyRole)!;
    int index = result.GetValue(keyIndex);
    if (role is not ("reader" or "responder" or "reviewer" or "admin") || index is < 0 or > 999 || !System.Text.RegularExpressions.Regex.IsMatch(name, @"^[\p{L}\p{N}._ -]{1,64}$"))
    {
        Console.Error.WriteLine("--role must be reader, responder, reviewer or admin; --name 1-64 letters, digits, '.', '_', '-' or spaces; --index 0-999.");
        return 2;
    }

    string key = ApiKeys.New();
    ApiKeyEntry.Write(Console.Out, index, name, char.ToUpperInvariant(role[0]) + role[1..], key, ApiKeys.Hash(key));
    return 0;
});
var apiCommand = new Command("api", "Query API tools.") { newKey };
var root = new RootCommand("GardenCity.Monitoring: sensor data pipeline for Mentougou's ecological and emergency monitoring.") { run, registryCommand, RulesCommands.Create(), apiCommand };
// System.CommandLine ends the process 2 s after SIGTERM/Ctrl-C by default (exit 143): far too soon for `run`, whose
// workers drain what they received (up to 15 s) and save their state. The host's own shutdown bounds the wait.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) }).ConfigureAwait(false);
