using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Api;
using GardenCity.Monitoring.Ingestion;
using GardenCity.Monitoring.Messaging;
using GardenCity.Monitoring.Messaging.Client;
using GardenCity.Monitoring.Host.Settings;
using GardenCity.Monitoring.ServiceDefaults;
using GardenCity.Monitoring.Storage.DeadLetters;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Host;

/// <summary>
/// <c>gardencity run</c>: composes the configured roles into one host and runs it until stopped. Composition only:
/// the shared defaults, the roles, <c>Build</c>, every setting validated, the endpoints mapped, <c>Run</c>. Every
/// configuration check is an options validator of the project that owns the setting.
/// </summary>
internal static class RunCommand
{
    public static async Task<int> RunAsync(string? configFile, string? roles, IReadOnlyList<string> settings, TextWriter error, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        if (!HostConfiguration.Add(builder.Configuration, configFile, roles, settings, error))
        {
            return ExitCodes.BadConfiguration;
        }

        // What to compose is read before the host exists; unknown roles compose nothing and fail validation below.
        HostingOptions hosting = builder.Configuration.GetSection(HostingOptions.SectionName).Get<HostingOptions>() ?? new HostingOptions();
        bool embeddedBroker = string.IsNullOrWhiteSpace((builder.Configuration.GetSection(MqttConnectionOptions.SectionName).Get<MqttConnectionOptions>() ?? new MqttConnectionOptions()).Host);
        var roleSet = hosting.RoleSet.Where(HostingOptions.KnownRoles.Contains).ToHashSet(StringComparer.Ordinal);
        if (embeddedBroker)
        {
            roleSet.Add("broker"); // No external broker configured: run the embedded one.
        }

        // As early as the roles are known: the profile's methods compile in the background while the host is built.
        StartupProfile? profile = StartupProfile.Start(hosting.StartupProfileDirectory, roleSet, error, out string profileState);

        builder.AddServiceDefaults(Meters(roleSet));
        builder.Services.AddHosting();
        if (roleSet.Contains("broker"))
        {
            builder.Services.AddEmbeddedBroker();
        }

        if (roleSet.Contains("ingest"))
        {
            // Broker and worker in one process: the broker hands station messages straight to the worker, durable
            // before the PUBACK. Otherwise the worker subscribes to the broker like any client.
            builder.Services.AddIngestion(intercept: roleSet.Contains("broker") && embeddedBroker);
        }

        if (roleSet.Contains("alerting"))
        {
            builder.Services.AddAlerting(); // after the broker, whose port it needs once started
        }

        if (roleSet.Contains("api"))
        {
            builder.Services.AddRouting();
            builder.Services.AddApi();
            // Set up at Build, before validation: a URL that fails validation gets no listener and is reported by it.
            ApiOptions api = builder.Configuration.GetSection(ApiOptions.SectionName).Get<ApiOptions>() ?? new ApiOptions();
            if (api.Url.StartsWith("https:", StringComparison.OrdinalIgnoreCase))
            {
                builder.WebHost.UseKestrelHttpsConfiguration();
            }

            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                if (!Uri.TryCreate(api.Url, UriKind.Absolute, out Uri? url) || url.Port <= 0)
                {
                    return;
                }

                if (url.Scheme == "http")
                {
                    kestrel.ListenOn(url);
                }
                else if (url.Scheme == "https" && File.Exists(api.CertificatePath))
                {
                    X509Certificate2 certificate;
                    try
                    {
                        certificate = X509CertificateLoader.LoadPkcs12FromFile(api.CertificatePath, api.CertificatePassword);
                    }
                    catch (CryptographicException)
                    {
                        return; // wrong password or not PKCS#12: ApiOptions.Validate reports it
                    }

                    kestrel.ListenOn(url, listen => listen.UseHttps(certificate));
                }
            });
        }

        await using WebApplication app = builder.Build();
        if (!ConfigurationErrors.Validate(app.Services, error))
        {
            return ExitCodes.BadConfiguration;
        }

        ILogger profileLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StartupProfile).FullName!);
        StartupProfile.LogState(profileLog, profileState);
        app.UseRouting();
        if (roleSet.Contains("api"))
        {
            // Problem responses for failed /api requests and the API's concurrency limits; the health endpoints carry
            // no limit policy, so they stay out of the limiter and answer under API load.
            app.UseApi();
            app.MapApi($"*:{ApiUrl(app.Services).Port}");
        }

        app.MapDefaultEndpoints();
        try
        {
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
            profile?.Finish(profileLog); // a clean stop only: a killed run leaves the profile as it was

            return ExitCodes.Ok;
        }
        catch (OptionsValidationException ex)
        {
            ConfigurationErrors.Write([ex], error); // options no start validator knew of
            return ExitCodes.BadConfiguration;
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("embedded MQTT broker", StringComparison.Ordinal))
        {
            error.WriteLine(ex.Message);
            return ExitCodes.BadConfiguration;
        }
    }

    /// <summary>The meters exported on <c>/metrics</c>: the ingestion meter (which the embedded broker reports on too) and the dead-letter meter always, alerting's with its role.</summary>
    private static IEnumerable<string> Meters(HashSet<string> roles) =>
        roles.Contains("alerting") ? [IngestionMetrics.MeterName, DeadLetterFileStore.MeterName, AlertingMetrics.MeterName] : [IngestionMetrics.MeterName, DeadLetterFileStore.MeterName];

    private static Uri ApiUrl(IServiceProvider services) => new(services.GetRequiredService<IOptions<ApiOptions>>().Value.Url);
}

/// <summary>Process exit codes of <c>gardencity</c>.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadConfiguration = 2;
}
