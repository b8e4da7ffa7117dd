using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Retention;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Tests.Retention;

public sealed class RetentionOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(Validator(new InfluxOptions()).Validate(null, new RetentionOptions()).Succeeded);

    [Theory]
    [InlineData("RawDuration", "1.00:00:00", "whole hours between 2.00:00:00")] // and the default look-back no longer fits
    [InlineData("RawDuration", "90.00:30:00", "whole hours between 2.00:00:00")]
    [InlineData("DownsampleLookBack", "01:00:00", "at least 02:00:00")]
    [InlineData("DownsampleLookBack", "02:30:00", "whole hours")]
    [InlineData("DownsampleLookBack", "89.01:00:00", "at least a day shorter than GardenCity:Retention:RawDuration")]
    [InlineData("DownsampleInterval", "00:00:30", "between 00:01:00 and 01:00:00")]
    [InlineData("ForeverPolicy", "a;b", "only letters")]
    [InlineData("ForeverDatabase", "x y", "only letters")]
    public void Validate_BadValue_FailsNamingTheKey(string key, string value, string expected)
    {
        var options = new RetentionOptions();
        switch (key)
        {
            case "RawDuration": options.RawDuration = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "DownsampleLookBack": options.DownsampleLookBack = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "DownsampleInterval": options.DownsampleInterval = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "ForeverPolicy": options.ForeverPolicy = value; break;
            default: options.ForeverDatabase = value; break;
        }

        ValidateOptionsResult result = Validator(new InfluxOptions()).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("GardenCity:Retention:" + key, StringComparison.Ordinal) && f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_V2WriterWithAForeverPolicy_FailsAndSaysWhatToSet()
    {
        ValidateOptionsResult result = Validator(new InfluxOptions { Version = InfluxApiVersion.V2, Token = "t", Org = "o", Bucket = "b" }).Validate(null, new RetentionOptions());

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Retention:ForeverPolicy and GardenCity:Retention:ForeverDatabase must be empty with GardenCity:Influx:Version V2", Assert.Single(result.Failures!), StringComparison.Ordinal);
        Assert.True(Validator(new InfluxOptions { Version = InfluxApiVersion.V2, Token = "t", Org = "o", Bucket = "b" }).Validate(null, new RetentionOptions { ForeverPolicy = string.Empty }).Succeeded);
    }

    [Fact]
    public void Places_DefaultsAndThreeCoreLayout_AreWhereDocsRetentionSays()
    {
        var influx = new InfluxOptions { Database = "gardencity" };
        var defaults = new RetentionOptions();
        var core3 = new RetentionOptions { ForeverDatabase = "gardencity_forever", ForeverPolicy = string.Empty };

        Assert.Equal(("gardencity", string.Empty), (defaults.DatabaseOf(InfluxTarget.Raw, influx), defaults.PolicyOf(InfluxTarget.Raw, influx)));
        Assert.Equal(("gardencity", "forever"), (defaults.DatabaseOf(InfluxTarget.Forever, influx), defaults.PolicyOf(InfluxTarget.Forever, influx)));
        Assert.Equal(("gardencity_forever", string.Empty), (core3.DatabaseOf(InfluxTarget.Forever, influx), core3.PolicyOf(InfluxTarget.Forever, influx)));
        Assert.False(defaults.SamePlace(influx));
        Assert.True(new RetentionOptions { ForeverPolicy = string.Empty }.SamePlace(influx));
    }

    private static RetentionOptionsValidator Validator(InfluxOptions influx) => new(Options.Create(influx));
}
