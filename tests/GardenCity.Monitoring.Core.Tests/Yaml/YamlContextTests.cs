using GardenCity.Monitoring.Core.Yaml;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.Core.Tests.Yaml;

/// <summary>The one duration reader of the rule files and the quality policy.</summary>
public sealed class YamlContextTests
{
    private static YamlMappingNode Root(string yaml)
    {
        var stream = new YamlStream();
        Assert.Null(YamlSyntax.TryLoad(stream, yaml, "f.yaml"));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1d", 86400)]
    public void RequiredDuration_Valid_IsRead(string text, int seconds)
    {
        var ctx = new YamlContext("f.yaml");

        var check = (YamlMappingNode)Root($"check:\n  within: {text}\n").Children[new YamlScalarNode("check")];

        TimeSpan? duration = ctx.RequiredDuration(check, "within", "check");

        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
        Assert.Empty(ctx.Errors);
    }

    [Theory]
    [InlineData("3 hours")]
    [InlineData("-5m")]
    [InlineData("[1h]")]
    public void RequiredDuration_NotADuration_NamesFileLineColumnAndField(string text)
    {
        var ctx = new YamlContext("f.yaml");
        var check = (YamlMappingNode)Root($"check:\n  max_change: 1\n  within: {text}\n").Children[new YamlScalarNode("check")];

        Assert.Null(ctx.RequiredDuration(check, "within", "check"));

        ConfigFileError error = Assert.Single(ctx.Errors);
        Assert.Equal(("f.yaml", 3, 11, "check.within"), (error.File, error.Line, error.Column, error.Field));
        Assert.EndsWith("is not a duration like 90s, 30m, 6h, 1d (positive, at most 400 days)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequiredDuration_Missing_SaysItIsRequired()
    {
        var ctx = new YamlContext("f.yaml");
        var check = (YamlMappingNode)Root("check:\n  max_change: 1\n").Children[new YamlScalarNode("check")];

        Assert.Null(ctx.RequiredDuration(check, "within", "check"));

        ConfigFileError error = Assert.Single(ctx.Errors);
        Assert.Equal(("check.within", "missing required field 'within'"), (error.Field, error.Message));
    }
}
