using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Tests;

public sealed class AlertingRulesValidatorTests
{
    private static AlertingRulesValidator Validator() =>
        new(new ServiceCollection().AddSingleton<StationRegistry>(TestData.Registry).BuildServiceProvider());

    [Fact]
    public void Validate_ShippedRules_Succeeds() =>
        Assert.True(Validator().Validate(null, new AlertingOptions { RulesDirectory = Path.Combine(AppContext.BaseDirectory, "rules") }).Succeeded);

    [Fact]
    public void Validate_MissingDirectory_FailsNamingIt()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-rules-{Guid.NewGuid():N}");

        ValidateOptionsResult result = Validator().Validate(null, new AlertingOptions { RulesDirectory = missing });

        Assert.True(result.Failed);
        Assert.Contains(missing, result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("does not exist (looked for ", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("GardenCity:Alerting:RulesDirectory", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BrokenRuleFile_FailsNamingTheFile()
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("gc-rules-");
        try
        {
            string shipped = File.ReadAllText(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "rules"), "*.yaml").Order(StringComparer.Ordinal).First());
            File.WriteAllText(Path.Combine(dir.FullName, "broken.yaml"), shipped + "\nnot: [valid\n");

            ValidateOptionsResult result = Validator().Validate(null, new AlertingOptions { RulesDirectory = dir.FullName });

            Assert.True(result.Failed);
            Assert.Contains("The rule files are invalid", result.FailureMessage, StringComparison.Ordinal);
            Assert.Contains("broken.yaml:", result.FailureMessage, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
