using GardenCity.Monitoring.Core.FireWeather;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Tests;

/// <summary><c>GardenCity:FireSeason</c> as the alerting worker binds it: read from the configuration, refused naming the key.</summary>
public sealed class FireSeasonOptionsBindingTests
{
    private static FireSeasonOptions Bound(params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());
        services.AddFireSeasonOptions();
        services.AddFireSeasonOptions(); // the query API registers it too: once is enough
        using ServiceProvider provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<FireSeasonOptions>>().Value;
    }

    [Fact]
    public void Settings_AreBound()
    {
        FireSeasonOptions o = Bound(("GardenCity:FireSeason:Method", "Temperature"), ("GardenCity:FireSeason:Days", "4"), ("GardenCity:FireSeason:DroughtCodeStart", "Overwinter"), ("GardenCity:FireSeason:CarryOver", "1.0"));
        Assert.Equal((FireSeasonMethod.Temperature, 4, DroughtCodeStart.Overwinter, 1.0), (o.Method, o.Days, o.DroughtCodeStart, o.CarryOver));
    }

    [Fact]
    public void BadSetting_IsRefusedAtStart_NamingTheKey()
    {
        OptionsValidationException ex = Assert.Throws<OptionsValidationException>(() => Bound(("GardenCity:FireSeason:Start", "13-01"), ("GardenCity:FireSeason:RainEffectiveness", "2")));
        Assert.Contains("GardenCity:FireSeason:Start '13-01' is not a month-day: write MM-dd", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GardenCity:FireSeason:RainEffectiveness (2) must be a fraction above 0 and at most 1", ex.Message, StringComparison.Ordinal);
    }
}
