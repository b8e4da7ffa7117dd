using GardenCity.Monitoring.Host.Settings;
using Microsoft.Extensions.Configuration;

namespace GardenCity.Monitoring.Host.Tests.Settings;

public sealed class SettingsCheckTests
{
    private static (bool Ok, string Error) Check(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        using var error = new StringWriter();
        bool ok = SettingsCheck.Apply(configuration, configuration, error);
        return (ok, error.ToString());
    }

    [Theory]
    [InlineData("GardenCity:Duty:DashboardBaseUrl")]
    [InlineData("GardenCity:Alerting:Cap:WebBaseUrl")]
    public void Apply_DeprecatedDashboardKey_IsAcceptedWithAWarningNamingTheNewKey(string key)
    {
        (bool ok, string error) = Check((key, "https://duty.example.cn/"));

        Assert.True(ok, error);
        Assert.Equal($"Configuration warning: {key} is deprecated (set by --set): Use GardenCity:Dashboard:BaseUrl, the one base of every link to an alert; this key is read only while that is not set.", error.Trim());
    }

    [Fact]
    public void Apply_TheDashboardKey_NeitherErrorNorWarning()
    {
        (bool ok, string error) = Check(("GardenCity:Dashboard:BaseUrl", "https://duty.example.cn/"));

        Assert.True(ok);
        Assert.Empty(error);
    }

    [Fact]
    public void Apply_ATypoOfTheDashboardKey_IsAnErrorWithTheNearestKey()
    {
        (bool ok, string error) = Check(("GardenCity:Dashboard:BaseUri", "https://duty.example.cn/"));

        Assert.False(ok);
        Assert.Contains("did you mean GardenCity:Dashboard:BaseUrl?", error, StringComparison.Ordinal);
    }
}
