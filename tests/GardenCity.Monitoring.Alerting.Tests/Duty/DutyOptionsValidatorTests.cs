using Microsoft.Extensions.Configuration;
using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Core.Alerts;
using Microsoft.Extensions.Options;
using static GardenCity.Monitoring.Alerting.Tests.Duty.DutyTestData;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Duty;

public sealed class DutyOptionsValidatorTests
{
    private static DutyOptions Valid()
    {
        DutyOptions o = Options();
        o.Channels.Add(new DutyChannelOptions { Name = "ding", Kind = DutyChannelKind.DingTalk, Url = "https://oapi.dingtalk.com/robot/send?access_token=x", Secret = "SECx" });
        var sms = new DutyChannelOptions { Name = "sms", Kind = DutyChannelKind.Sms };
        sms.Sms.Url = "https://sms.example.cn/send";
        o.Channels.Add(sms);
        o.Recipients.Add(Zhang);
        var route = new DutyRouteOptions { Name = "red", MinSeverity = "orange" };
        route.Audiences.Add(Audience.Emergency);
        route.Channels.AddRange(["ding", "sms"]);
        route.Recipients.Add("zhang-san");
        o.Routes.Add(route);
        return o;
    }

    private static ValidateOptionsResult Validate(DutyOptions o)
    {
        ValidateOptionsResult annotations = new DutyOptionsValidator().Validate(null, o);
        return annotations.Failed ? annotations : new DutyRoutingValidator().Validate(null, o);
    }

    [Fact]
    public void Defaults_AreOffAndValid()
    {
        var o = new DutyOptions();

        Assert.False(o.Enabled);
        Assert.True(Validate(o).Succeeded);
    }

    [Fact]
    public void WorkedExample_IsValid() => Assert.True(Validate(Valid()).Succeeded, Validate(Valid()).FailureMessage);

    [Fact]
    public void UnknownChannelAndRecipient_NameTheirKeys()
    {
        DutyOptions o = Valid();
        o.Routes[0].Channels.Add("wecom-town");
        o.Routes[0].Recipients.Add("wang-wu");

        ValidateOptionsResult result = Validate(o);

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Duty:Routes:0:Channels:2 'wecom-town' is not a channel", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("GardenCity:Duty:Routes:0:Recipients:1 'wang-wu' is not a recipient", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void SmsRecipientWithoutMobile_IsRefused()
    {
        DutyOptions o = Valid();
        o.Recipients[0].Mobile = string.Empty;

        Assert.Contains("GardenCity:Duty:Routes:0:Channels:1 'sms' sends SMS but recipient 'zhang-san' has no Mobile", Validate(o).FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("robot-url", "GardenCity:Duty:Channels:0:Url")]
    [InlineData("sms-url", "GardenCity:Duty:Channels:1:Sms:Url")]
    [InlineData("sms-mobile", "GardenCity:Duty:Channels:1:Sms: neither Url nor BodyTemplate has {mobile}")]
    [InlineData("sms-pattern", "GardenCity:Duty:Channels:1:Sms:SuccessBodyPattern")]
    [InlineData("severity", "DutyOptions.Routes[0].MinSeverity")]
    [InlineData("audiences", "GardenCity:Duty:Routes:0:Audiences")]
    [InlineData("email", "GardenCity:Duty:Channels:2:Smtp:Host")]
    [InlineData("duplicate", "GardenCity:Duty:Channels:1:Name 'ding' is used by another channel")]
    public void BadSetting_IsRefusedNamingTheKey(string what, string key)
    {
        DutyOptions o = Valid();
        switch (what)
        {
            case "robot-url": o.Channels[0].Url = "oapi.dingtalk.com/robot"; break;
            case "sms-url": o.Channels[1].Sms.Url = "not a url"; break;
            case "sms-mobile": o.Channels[1].Sms.BodyTemplate = "{\"content\":\"{text}\"}"; break;
            case "sms-pattern": o.Channels[1].Sms.SuccessBodyPattern = "(unclosed"; break;
            case "severity": o.Routes[0].MinSeverity = "purple"; break;
            case "audiences": o.Routes[0].Audiences.Clear(); break;
            case "email": o.Channels.Add(new DutyChannelOptions { Name = "mail", Kind = DutyChannelKind.Email }); o.Channels[2].Smtp.From = "a@b.cn"; break;
            default: o.Channels[1].Name = "ding"; break;
        }

        ValidateOptionsResult result = Validate(o);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Annotations_NameTheMember()
    {
        DutyOptions o = Valid();
        o.Channels[0].AttemptTimeout = TimeSpan.Zero;

        ValidateOptionsResult result = new DutyOptionsValidator().Validate(null, o);

        Assert.True(result.Failed);
        Assert.Contains("Channels[0].AttemptTimeout", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_IsNotCrossChecked()
    {
        DutyOptions o = Valid();
        o.Enabled = false;
        o.Routes[0].Channels.Add("nowhere");

        Assert.True(new DutyRoutingValidator().Validate(null, o).Succeeded);
    }
}

public sealed class DutyRouterTests
{
    private static (DutyRouter Router, DutyOptions Options) Router()
    {
        DutyOptions o = Options();
        o.Channels.Add(new DutyChannelOptions { Name = "ding", Kind = DutyChannelKind.DingTalk, Url = "http://127.0.0.1/robot" });
        var sms = new DutyChannelOptions { Name = "sms", Kind = DutyChannelKind.Sms };
        sms.Sms.Url = "http://127.0.0.1/sms";
        o.Channels.Add(sms);
        o.Recipients.AddRange([Zhang, Li]);
        var district = new DutyRouteOptions { Name = "district", MinSeverity = "orange" };
        district.Audiences.Add(Audience.Emergency);
        district.Channels.AddRange(["ding", "sms"]);
        district.Recipients.Add("zhang-san");
        var town = new DutyRouteOptions { Name = "town", MinSeverity = "blue" };
        town.Audiences.Add(Audience.Emergency);
        town.Sites.Add("baihua-mountain");
        town.Channels.Add("ding");
        town.Recipients.Add("li-si");
        o.Routes.AddRange([district, town]);
        var messages = new DutyMessages(o, Dashboard, Registry);
        return (new DutyRouter(o, DutyServiceCollectionExtensions.BuildChannels(o, new NoHttp(), messages, TimeProvider.System)), o);
    }

    private sealed class NoHttp : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }

    [Fact]
    public void Route_RedEscalation_OneGroupMessageMentioningBoth_AndOneSms()
    {
        IReadOnlyList<DutyDelivery> deliveries = Router().Router.Route(Red());

        Assert.Equal(["duty:ding:@group", "duty:sms:zhang-san"], deliveries.Select(DutyDispatcher.OutboxKey));
        Assert.Equal(["zhang-san", "li-si"], deliveries[0].Mentions.Select(p => p.Name));
    }

    [Fact]
    public void Route_BelowMinSeverity_OnlyTheLowerRoute()
    {
        AlertNotification yellow = Red() with { Severity = Severity.Yellow, PreviousSeverity = Severity.Blue };

        DutyDelivery only = Assert.Single(Router().Router.Route(yellow));

        Assert.Equal(("ding", "li-si"), (only.Channel, Assert.Single(only.Mentions).Name));
    }

    [Fact]
    public void Route_ResolveOfARedAlert_GoesWhereTheRedWent() =>
        Assert.Equal(2, Router().Router.Route(Red(Transition.Resolved)).Count);

    [Theory]
    [InlineData(Transition.Acknowledged)]
    [InlineData(Transition.Late)]
    [InlineData(Transition.DeEscalated)]
    public void Route_NotByDefault(Transition transition) => Assert.Empty(Router().Router.Route(Red(transition)));

    [Fact]
    public void Route_OtherAudience_Nothing() => Assert.Empty(Router().Router.Route(Red(audience: Audience.Maintenance)));

    [Fact]
    public void Route_OtherSite_OnlyTheDistrictRoute()
    {
        IReadOnlyList<DutyDelivery> deliveries = Router().Router.Route(Red() with { Site = "lingshan" });

        Assert.Equal(["zhang-san"], deliveries[0].Mentions.Select(p => p.Name));
    }
}

/// <summary>deploy/duty-room.example.json binds and, once enabled, passes the checks the host runs at start.</summary>
public sealed class DutyExampleConfigurationTests
{
    [Fact]
    public void Example_BindsAndValidates()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "duty-room.example.json"), optional: false)
            .Build();
        var options = new DutyOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(DutyOptions.SectionName), options);

        Assert.False(options.Enabled); // off until the real secrets are in
        options.Enabled = true;
        ValidateOptionsResult annotations = new DutyOptionsValidator().Validate(null, options);
        ValidateOptionsResult routing = new DutyRoutingValidator().Validate(null, options);

        Assert.True(annotations.Succeeded, annotations.FailureMessage);
        Assert.True(routing.Succeeded, routing.FailureMessage);
        Assert.Equal((6, 9, 4), (options.Channels.Count, options.Recipients.Count, options.Routes.Count));
        Assert.Equal("deploy/escalation.yaml", options.EscalationFile);
        options.EscalationFile = Path.Combine(AppContext.BaseDirectory, "escalation.yaml"); // the shipped file, checked against this configuration
        ValidateOptionsResult escalation = new GardenCity.Monitoring.Alerting.Duty.Escalation.EscalationFileValidator().Validate(null, options);
        Assert.True(escalation.Succeeded, escalation.FailureMessage);
        Assert.Equal("Bearer PLACEHOLDER_GATEWAY_KEY", options.Channels[3].Sms.Headers["Authorization"]);
        Assert.Equal([Transition.Raised, Transition.Resolved], options.Routes[3].Transitions);
        var dashboard = new DashboardOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(DashboardOptions.SectionName), dashboard);
        Assert.Null(dashboard.ApplyDeprecatedKeys(configuration)); // the example uses the current key
        Assert.Equal("https://monitor.mentougou.example.cn/", dashboard.BaseUrl);
        Assert.True(new DashboardOptionsValidator(Microsoft.Extensions.Options.Options.Create(options)).Validate(null, dashboard).Succeeded);

        // Inhibition and grouping: bound, and their rule ids are rules of deploy/rules.
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, TestData.Registry);
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, Microsoft.Extensions.Options.Options.Create(new AlertingOptions { RulesDirectory = Path.Combine(AppContext.BaseDirectory, "rules") }));
        using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        ValidateOptionsResult inhibition = new GardenCity.Monitoring.Alerting.Duty.Inhibition.DutyInhibitionValidator(provider).Validate(null, options);
        Assert.True(inhibition.Succeeded, inhibition.FailureMessage);
        Assert.Equal(["battery-low", "sequence-gap", "gauge-stuck"], options.Inhibition.Rules[0].Targets);
        Assert.Equal(["flood-level", "flood-fast-rise"], options.Inhibition.Hazards["flood"]);
        Assert.True(options.Grouping.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(10), options.Grouping.AudienceWindows[Audience.Maintenance]);
    }
}
