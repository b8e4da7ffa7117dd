using GardenCity.Monitoring.Alerting.Partitioning;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Tests.Partitioning;

/// <summary><c>GardenCity:Alerting:Partitions</c> and <c>OwnedPartitions</c>: parsing and the start-up validation.</summary>
public sealed class OwnedPartitionsTests
{
    [Theory]
    [InlineData("", 1, new int[] { 0 })]
    [InlineData("0", 1, new int[] { 0 })]
    [InlineData("none", 4, new int[0])]
    [InlineData(" NONE ", 1, new int[0])]
    [InlineData("1", 2, new int[] { 1 })]
    [InlineData("0, 2-3", 4, new int[] { 0, 2, 3 })]
    [InlineData("3,1-2,2", 4, new int[] { 1, 2, 3 })]
    public void Parse_Valid_GivesTheSet(string text, int partitions, int[] expected)
    {
        IReadOnlySet<int>? owned = OwnedPartitions.Parse(text, partitions, out string? error);

        Assert.Null(error);
        Assert.Equal(expected, owned!.Order());
    }

    [Theory]
    [InlineData("", 2, "must be set when GardenCity:Alerting:Partitions is 2")]
    [InlineData("2", 2, "partition 2 does not exist with GardenCity:Alerting:Partitions = 2")]
    [InlineData("0-5", 4, "partition 5 does not exist")]
    [InlineData("3-1", 4, "runs backwards")]
    [InlineData("zero", 4, "'zero' is not a partition number or range")]
    [InlineData("-1", 4, "'-1' is not a partition number or range")]
    [InlineData("1;2", 4, "'1;2' is not a partition number or range")]
    public void Parse_Invalid_FailsNamingTheSetting(string text, int partitions, string expected)
    {
        Assert.Null(OwnedPartitions.Parse(text, partitions, out string? error));

        Assert.StartsWith("GardenCity:Alerting:OwnedPartitions", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0,2-3,5", "0,2-3,5")]
    [InlineData("3,0,1,2", "0-3")]
    [InlineData("none", "none")]
    public void Describe_WritesTheSetBack(string text, string expected) =>
        Assert.Equal(expected, OwnedPartitions.Describe(OwnedPartitions.Parse(text, 8, out _)!));

    [Fact]
    public void Validate_Defaults_AreOneWorkerForEverything()
    {
        var options = new AlertingOptions();

        Assert.Equal((1, string.Empty), (options.Partitions, options.OwnedPartitions));
        Assert.True(new AlertingPartitionsValidator().Validate(null, options).Succeeded);
        Assert.True(new AlertingOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_OwnedPartitionOutOfRange_FailsNamingTheSetting()
    {
        ValidateOptionsResult result = new AlertingPartitionsValidator().Validate(null, new AlertingOptions { Partitions = 3, OwnedPartitions = "1,3" });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Alerting:OwnedPartitions '1,3': partition 3 does not exist", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralPartitionsWithoutOwned_Fails()
    {
        ValidateOptionsResult result = new AlertingPartitionsValidator().Validate(null, new AlertingOptions { Partitions = 2 });

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Alerting:OwnedPartitions must be set", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1025)]
    public void Validate_PartitionsOutOfRange_FailsNamingTheSetting(int partitions)
    {
        ValidateOptionsResult result = new AlertingOptionsValidator().Validate(null, new AlertingOptions { Partitions = partitions });

        Assert.True(result.Failed);
        Assert.Contains("AlertingOptions.Partitions must be between 1 and 1024", result.FailureMessage, StringComparison.Ordinal);
    }
}
