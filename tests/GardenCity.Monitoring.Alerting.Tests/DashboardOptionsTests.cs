using GardenCity.Monitoring.Alerting.Duty;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Tests;

/// <summary>
/// <c>GardenCity:Dashboard:BaseUrl</c>, the one base of the links to an alert (CAP <c>web</c>, the duty-room messages),
/// and its deprecated keys <c>GardenCity:Duty:DashboardBaseUrl</c> and <c>GardenCity:Alerting:Cap:WebBaseUrl</c>.
/// </summary>
public sealed class DashboardOptionsTests
{
    private const string Key = "GardenCity:Dashboard:BaseUrl";
    private const string DutyKey = "GardenCity:Duty:DashboardBaseUrl";
    private const string CapKey = "GardenCity:Alerting:Cap:WebBaseUrl";

    private static DashboardOptions Bound(params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());
        services.AddDutyChannels(); // as the alerting worker registers it (AddAlerting adds it too; once is enough)
        services.AddDashboardOptions();
        using ServiceProvider provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<DashboardOptions>>().Value;
    }

    [Fact]
    public void BaseUrl_NothingSet_IsTheApiDefault() =>
        Assert.Equal("http://127.0.0.1:8080/", Bound().BaseUrl);

    [Theory]
    [InlineData(DutyKey)]
    [InlineData(CapKey)]
    public void BaseUrl_OnlyADeprecatedKeySet_IsReadFromIt(string deprecated)
    {
        DashboardOptions o = Bound((deprecated, "https://duty.example.cn/gc/"));

        Assert.Equal("https://duty.example.cn/gc/", o.BaseUrl);
        Assert.Equal("https://duty.example.cn/gc/?alert=a.b", o.AlertPage("a.b"));
    }

    [Fact]
    public void BaseUrl_TheNewKeyWinsOverTheDeprecatedOnes_AndTheDutyKeyOverCaps()
    {
        Assert.Equal("https://new.example.cn/", Bound((Key, "https://new.example.cn/"), (DutyKey, "https://duty.example.cn/"), (CapKey, "https://cap.example.cn/")).BaseUrl);
        Assert.Equal("https://duty.example.cn/", Bound((DutyKey, "https://duty.example.cn/"), (CapKey, "https://cap.example.cn/")).BaseUrl);
    }

    [Fact]
    public void BaseUrl_DeprecatedCapKeyEmpty_StaysEmpty_SoCapLeavesWebOut() =>
        Assert.Equal(string.Empty, Bound((CapKey, string.Empty)).BaseUrl); // CapWriterTests: an empty base writes no web

    [Theory]
    [InlineData("https://duty.example.cn/gc?x=1", false)]
    [InlineData("duty.example.cn", false)]
    [InlineData("ftp://duty.example.cn/", false)]
    [InlineData("https://duty.example.cn/gc/", true)]
    [InlineData("", true)] // no CAP web, no duty room
    public void Validate_TheBaseUrl_NamesTheKey(string baseUrl, bool valid)
    {
        var validator = new DashboardOptionsValidator(Options.Create(new DutyOptions()));

        ValidateOptionsResult result = validator.Validate(null, new DashboardOptions { BaseUrl = baseUrl });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.StartsWith($"{Key} '{baseUrl}' must be the dashboard's http(s) address without a query", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_EmptyWhileTheDutyRoomIsOn_IsRefused()
    {
        var validator = new DashboardOptionsValidator(Options.Create(new DutyOptions { Enabled = true }));

        ValidateOptionsResult result = validator.Validate(null, new DashboardOptions { BaseUrl = string.Empty });

        Assert.True(result.Failed);
        Assert.Contains($"{Key} is empty, but the duty-room messages link to the dashboard", result.FailureMessage, StringComparison.Ordinal);
    }
}
