using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Api;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Ingestion;
using GardenCity.Monitoring.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace GardenCity.Monitoring.Host;

/// <summary><c>gardencity run</c>: composes the configured roles into one host and runs it until stopped.</summary>
internal static class RunCommand
{
    public static async Task<int> RunAsync(string? configFile, string? roles, IReadOnlyList<string> settings, TextWriter error, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole();
        if (!AddConfiguration(builder.Configuration, configFile, roles, settings, error))
        {
            return ExitCodes.BadConfiguration;
        }

        var hosting = new HostingOptions();
        builder.Configuration.GetSection(HostingOptions.SectionName).Bind(hosting);
        var roleSet = hosting.Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        string[] unknown = roleSet.Where(r => !HostingOptions.KnownRoles.Contains(r)).ToArray();
        if (unknown.Length > 0 || roleSet.Count == 0)
        {
            error.WriteLine($"Configuration error: GardenCity:Roles '{hosting.Roles}' {(unknown.Length > 0 ? "names unknown role(s) " + string.Join(", ", unknown) : "is empty")}; this build knows {string.Join(", ", HostingOptions.KnownRoles)}.");
            return ExitCodes.BadConfiguration;
        }

        if (string.IsNullOrWhiteSpace(builder.Configuration["GardenCity:Mqtt:Host"]))
        {
            roleSet.Add("broker"); // No external broker configured: run the embedded one.
        }

        if (roleSet.Contains("ingest") || roleSet.Contains("broker") || roleSet.Contains("alerting") || roleSet.Contains("api"))
        {
            StationRegistry registry;
            try
            {
                registry = StationRegistryLoader.LoadFile(hosting.RegistryPath);
            }
            catch (RegistryException ex)
            {
                error.WriteLine(ex.Message);
                return ExitCodes.BadConfiguration;
            }

            builder.Services.AddSingleton(registry);
            if (LoadQualityPolicy(builder.Configuration, registry, error) is not { } quality)
            {
                return ExitCodes.BadConfiguration;
            }

            builder.Services.AddSingleton(quality);
            if (roleSet.Contains("alerting"))
            {
                // Broken rule files refuse the start, like a broken registry; once running, a broken edit is refused
                // and the rules already running stay.
                string rules = builder.Configuration["GardenCity:Alerting:RulesDirectory"] ?? "deploy/rules";
                try
                {
                    _ = RuleLoader.LoadDirectory(rules, registry);
                }
                catch (RuleFileException ex)
                {
                    error.WriteLine(ex.Message);
                    return ExitCodes.BadConfiguration;
                }
            }
        }

        if (roleSet.Contains("broker"))
        {
            builder.Services.AddEmbeddedBroker();
        }

        if (roleSet.Contains("ingest"))
        {
            // Broker and worker in one process: the broker hands station messages straight to the worker, durable
            // before the PUBACK. Otherwise the worker subscribes to the broker like any client.
            builder.Services.AddIngestion(intercept: roleSet.Contains("broker") && string.IsNullOrWhiteSpace(builder.Configuration["GardenCity:Mqtt:Host"]));
        }

        if (roleSet.Contains("alerting"))
        {
            builder.Services.AddAlerting(); // after the broker, whose port it needs once started
        }

        Uri? apiUrl = null;
        if (roleSet.Contains("api"))
        {
            string url = builder.Configuration["GardenCity:Api:Url"] ?? "http://127.0.0.1:8080";
            if (!Uri.TryCreate(url, UriKind.Absolute, out apiUrl) || apiUrl.Scheme != "http" || apiUrl.Port <= 0)
            {
                error.WriteLine($"Configuration error: GardenCity:Api:Url '{url}' is not an http URL with a port (put TLS in a reverse proxy in front).");
                return ExitCodes.BadConfiguration;
            }

            builder.Services.AddRouting();
            builder.Services.AddApi();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(ListenAddress(apiUrl), apiUrl.Port));
        }

        string healthUrl = builder.Configuration["GardenCity:Health:Url"] ?? "http://127.0.0.1:9464";
        if (healthUrl.Length > 0)
        {
            if (!Uri.TryCreate(healthUrl, UriKind.Absolute, out Uri? health) || health.Scheme is not ("http" or "https") || health.Port <= 0)
            {
                error.WriteLine($"Configuration error: GardenCity:Health:Url '{healthUrl}' is not an http(s) URL (empty turns the endpoints off).");
                return ExitCodes.BadConfiguration;
            }

            string? certificate = builder.Configuration["GardenCity:Health:CertificatePath"];
            if (health.Scheme == "https" && string.IsNullOrEmpty(certificate))
            {
                error.WriteLine("Configuration error: GardenCity:Health:Url is https but GardenCity:Health:CertificatePath (a PKCS#12 file) is not set.");
                return ExitCodes.BadConfiguration;
            }

            System.Net.IPAddress address = ListenAddress(health);
            string? certificatePassword = builder.Configuration["GardenCity:Health:CertificatePassword"];
            if (health.Scheme == "https")
            {
                builder.WebHost.UseKestrelHttpsConfiguration();
            }

            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, health.Port, listen =>
            {
                if (health.Scheme == "https")
                {
                    listen.UseHttps(certificate!, certificatePassword);
                }
            }));
            builder.AddObservability(roleSet.Contains("ingest"));
            if (roleSet.Contains("alerting"))
            {
                builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(AlertingMetrics.MeterName));
            }
        }

        await using WebApplication host = builder.Build();
        if (healthUrl.Length > 0 || apiUrl is not null)
        {
            host.UseRouting();
        }

        if (apiUrl is not null)
        {
            // Problem responses for failed /api requests and the API's concurrency limits; the health endpoints carry
            // no limit policy, so they stay out of the limiter and answer under API load.
            host.UseApi();
        }

        if (apiUrl is not null)
        {
            host.MapApi($"*:{apiUrl.Port}");
        }

        if (healthUrl.Length > 0)
        {
            host.MapObservability();
        }

        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (OptionsValidationException ex)
        {
            error.WriteLine("Configuration error:");
            foreach (string failure in ex.Failures)
            {
                error.WriteLine("  " + failure);
            }

            return ExitCodes.BadConfiguration;
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("embedded MQTT broker", StringComparison.Ordinal))
        {
            error.WriteLine(ex.Message);
            return ExitCodes.BadConfiguration;
        }
    }

    private static System.Net.IPAddress ListenAddress(Uri url) =>
        System.Net.IPAddress.TryParse(url.Host, out System.Net.IPAddress? address) ? address
        : url.Host == "localhost" ? System.Net.IPAddress.Loopback : System.Net.IPAddress.Any;

    private static bool AddConfiguration(ConfigurationManager configuration, string? configFile, string? roles, IReadOnlyList<string> settings, TextWriter error)
    {
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                error.WriteLine($"Configuration error: --config file '{configFile}' does not exist.");
                return false;
            }

            try
            {
                configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
            }
            catch (InvalidDataException ex)
            {
                error.WriteLine($"Configuration error: {ex.Message} {ex.InnerException?.Message}");
                return false;
            }
        }

        configuration.AddEnvironmentVariables("GARDENCITY_");
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (string setting in settings)
        {
            int eq = setting.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error.WriteLine($"Configuration error: --set '{setting}' is not KEY=VALUE (for example --set GardenCity:Influx:Url=http://127.0.0.1:8086).");
                return false;
            }

            overrides[setting[..eq]] = setting[(eq + 1)..];
        }

        if (roles is not null)
        {
            overrides["GardenCity:Roles"] = roles;
        }

        configuration.AddInMemoryCollection(overrides);
        return true;
    }

    /// <summary>
    /// The quality policy (docs/data-quality.md) of <c>GardenCity:Quality:PolicyFile</c>: a broken file refuses the
    /// start like a broken registry. Left at its default and absent, no checks run (said once); set empty, none run.
    /// </summary>
    internal static QualityPolicy? LoadQualityPolicy(IConfiguration configuration, StationRegistry registry, TextWriter error)
    {
        const string Key = "GardenCity:Quality:PolicyFile";
        string? configured = configuration[Key];
        string path = configured ?? "deploy/quality.yaml";
        if (path.Length == 0)
        {
            return QualityPolicy.None;
        }

        if (configured is null && !File.Exists(path))
        {
            error.WriteLine($"Note: no quality policy at {path} ({Key}): readings are stored without quality checks.");
            return QualityPolicy.None;
        }

        try
        {
            return QualityPolicyLoader.LoadFile(path, registry);
        }
        catch (QualityPolicyException ex)
        {
            error.WriteLine(ex.Message);
            return null;
        }
    }
}

/// <summary>Process exit codes of <c>gardencity</c>.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadConfiguration = 2;
}
