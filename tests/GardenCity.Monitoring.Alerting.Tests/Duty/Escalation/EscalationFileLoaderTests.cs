using GardenCity.Monitoring.Alerting.Duty.Escalation;

namespace GardenCity.Monitoring.Alerting.Tests.Duty.Escalation;

/// <summary>The escalation file's checks: every problem named by file:line:column and field, the whole file refused.</summary>
public sealed class EscalationFileLoaderTests
{
    private static string Errors(string text)
    {
        var ex = Assert.Throws<EscalationFileException>(() => EscalationFileLoader.Load(text, "escalation.yaml", EscalationTestData.Options()));
        return ex.Message;
    }

    [Fact]
    public void ShippedTestFile_Loads()
    {
        EscalationPolicySet set = EscalationFileLoader.Load(EscalationTestData.File, "escalation.yaml", EscalationTestData.Options());
        EscalationPolicy policy = Assert.Single(set.Policies);
        Assert.Equal([(2, "镇值班员", TimeSpan.FromMinutes(5)), (3, "区应急局", TimeSpan.FromMinutes(10))], policy.Tiers.Select(t => (t.Number, t.Name, t.After)));
    }

    [Theory]
    [InlineData("channels: [sms]", "channels: [sms-nowhere]", "escalation.yaml:16:20: field 'policies[0](red).tiers[0].channels': 'sms-nowhere' is not a channel")]
    [InlineData("after: 5m", "after: soon", "escalation.yaml:15:16: field 'policies[0](red).tiers[0].after': 'soon' is not a duration")]
    [InlineData("recipients: [rota:town]", "recipients: [rota:village]", "escalation.yaml:17:22: field 'policies[0](red).tiers[0].recipients': 'rota:village' names no rota of this file; rotas: town")]
    [InlineData("recipients: [leader-liu]", "recipients: [leader-wu]", "escalation.yaml:21:22: field 'policies[0](red).tiers[1].recipients': 'leader-wu' is not a recipient")]
    [InlineData("recipients: [leader-liu]", "recipients: [no-phone]", "field 'policies[0](red).tiers[1].recipients': 'no-phone' has no Mobile for SMS channel 'sms'")]
    [InlineData("days: [mon, tue, wed, thu, fri]", "days: [monday]", "escalation.yaml:4:18: field 'rotas[0](town).weekly[0].days': 'monday' is not a day")]
    [InlineData("from: \"17:30\"", "from: \"5pm\"", "escalation.yaml:5:30: field 'rotas[0](town).weekly[1].from': '5pm' is not a time of day")]
    [InlineData("to: \"2026-10-08 08:30\"", "to: \"2026-09-08 08:30\"", "field 'rotas[0](town).overrides[0].to': 'to' must be after 'from'")]
    [InlineData("min_severity: red", "min_severity: purple", "escalation.yaml:12:19: field 'policies[0](red).min_severity': unknown severity 'purple'")]
    [InlineData("audiences: [emergency]", "audiences: [duty]", "field 'policies[0](red).audiences': unknown audience 'duty'")]
    [InlineData("    tiers:", "    levels:", "escalation.yaml:13:5: field 'policies[0].levels': unknown field 'levels'")]
    [InlineData("on_duty: [town-li]", "on_duty: [town-nobody]", "field 'rotas[0](town).weekly[1].on_duty': 'town-nobody' is not a recipient")]
    public void BrokenFile_NamesFileLineColumnAndField(string from, string to, string expected)
    {
        string text = EscalationTestData.File.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(EscalationTestData.File, text);
        string errors = Errors(text);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.DoesNotContain("names no rota", expected.Contains("rota:", StringComparison.Ordinal) ? string.Empty : errors, StringComparison.Ordinal); // a broken rota is not reported again where it is used
    }

    [Fact]
    public void RotaWithAGap_AndNoDefault_SaysWhenNobodyIsOnDuty()
    {
        string text = EscalationTestData.File.Replace("days: daily, from: \"17:30\"", "days: [sat, sun, mon, tue, wed, thu], from: \"17:30\"", StringComparison.Ordinal);
        string errors = Errors(text);
        Assert.True(errors.Contains("field 'rotas[0](town).weekly': nobody is on duty Friday 17:30-08:30 (Beijing time)", StringComparison.Ordinal), errors);
    }

    [Fact]
    public void BrokenSyntax_IsExplainedWithItsLine()
    {
        string errors = Errors("policies:\n  - id: red\n\tmin_severity: red\n");
        Assert.True(errors.Contains("escalation.yaml:2:9: field '(syntax)': a tab is used for indentation", StringComparison.Ordinal), errors);
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce()
    {
        string text = EscalationTestData.File.Replace("after: 5m", "after: soon", StringComparison.Ordinal).Replace("channels: [sms]", "channels: [fax]", StringComparison.Ordinal);
        Assert.StartsWith("The escalation file is invalid (2 problems):", Errors(text), StringComparison.Ordinal);
    }
}
