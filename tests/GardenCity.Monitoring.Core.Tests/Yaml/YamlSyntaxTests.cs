using GardenCity.Monitoring.Core.Yaml;
using YamlDotNet.RepresentationModel;

namespace GardenCity.Monitoring.Core.Tests.Yaml;

public sealed class YamlSyntaxTests
{
    [Theory]
    [InlineData("a:\n  - x: 1\n   y: 2\n", 3, "this line is not indented like the list items before it")]
    [InlineData("a: 1\n b: 2\n", 2, "a ':' where no field can start")]
    [InlineData("name: Warning: high\n", 1, "put a value containing ': ' in quotes")]
    [InlineData("a:\n\t- 1\n", 2, "a tab is used for indentation")]
    [InlineData("a: 1\na: 2\n", 2, "this field appears twice")]
    [InlineData("a: \"open\nb: 1\n", 1, "a quoted value is not closed")]
    [InlineData("a: { b: 1\nc: 2\n", 1, "is never closed")]
    public void TryLoad_BrokenSyntax_SaysWhatIsWrongInPlainWords(string text, int line, string expected)
    {
        ConfigFileError? error = YamlSyntax.TryLoad(new YamlStream(), text, "f.yaml");

        Assert.NotNull(error);
        Assert.Equal(("f.yaml", "(syntax)"), (error.File, error.Field));
        Assert.True(error.Line >= line - 1 && error.Line <= line + 1, error.ToString());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_ValidText_NoErrorAndLoaded()
    {
        var stream = new YamlStream();

        Assert.Null(YamlSyntax.TryLoad(stream, "a: [1, 2]\n", "f.yaml"));
        Assert.Single(stream.Documents);
    }

    [Fact]
    public void Explain_UnknownParserMessage_KeepsItVerbatim()
    {
        Assert.Equal("broken YAML syntax (something new)", YamlSyntax.Explain("something new."));
    }
}
