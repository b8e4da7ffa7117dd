using Microsoft.Extensions.Configuration;

namespace GardenCity.Monitoring.Host.Settings;

/// <summary>
/// The configuration every command that needs settings reads, in one order: <c>appsettings.json</c> beside the
/// executable, the <c>--config</c> file, <c>GARDENCITY_</c> environment variables, <c>--set</c> (and <c>--roles</c>)
/// last; then <see cref="SettingsCheck"/>. <c>run</c> and <c>rules backtest</c> both read it, so a backtest finds the
/// InfluxDB the running service writes to.
/// </summary>
internal static class HostConfiguration
{
    /// <summary>Adds the sources to <paramref name="configuration"/> and checks the keys and values.</summary>
    /// <returns><see langword="false"/> when something is wrong; the problems were written to <paramref name="error"/>.</returns>
    public static bool Add(ConfigurationManager configuration, string? configFile, string? roles, IReadOnlyList<string> settings, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(error);
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
        return SettingsCheck.Apply(configuration, configuration, error);
    }
}
