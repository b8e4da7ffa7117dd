using GardenCity.Monitoring.Core.FireWeather;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Core.Tests.FireWeather;

/// <summary>Bad <c>GardenCity:FireSeason</c> settings are refused, each naming its key and what to write.</summary>
public sealed class FireSeasonOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(FireSeasonOptions options) => new FireSeasonOptionsValidator().Validate(null, options);

    [Fact]
    public void Defaults_AreValid_AndAreTheDistrictsPeriod()
    {
        var o = new FireSeasonOptions();
        Assert.True(Validate(o).Succeeded);
        Assert.Equal((FireSeasonMethod.Dates, "11-01", "05-31", DroughtCodeStart.StartUp, 0.75, 0.75), (o.Method, o.Start, o.End, o.DroughtCodeStart, o.CarryOver, o.RainEffectiveness));
    }

    [Theory]
    [InlineData("Start", "11-31", "GardenCity:FireSeason:Start '11-31' is not a month-day")]
    [InlineData("Start", "1 November", "GardenCity:FireSeason:Start '1 November' is not a month-day")]
    [InlineData("End", "02-29", "GardenCity:FireSeason:End '02-29' is not a month-day")]
    [InlineData("End", "11-01", "GardenCity:FireSeason:End '11-01' is the same day as GardenCity:FireSeason:Start")]
    public void BadDates_NameTheKey(string key, string value, string expected)
    {
        var o = new FireSeasonOptions();
        if (key == "Start")
        {
            o.Start = value;
        }
        else
        {
            o.End = value;
        }

        ValidateOptionsResult result = Validate(o);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void BadNumbers_AreAllReportedAtOnce_EachWithItsKey()
    {
        ValidateOptionsResult result = Validate(new FireSeasonOptions { StartTempC = 5, EndTempC = 12, Days = 0, CarryOver = 1.5, RainEffectiveness = 0 });
        Assert.True(result.Failed);
        string[] keys = ["StartTempC", "Days", "CarryOver", "RainEffectiveness"];
        Assert.All(keys, k => Assert.Contains(result.Failures!, f => f.StartsWith($"GardenCity:FireSeason:{k} ", StringComparison.Ordinal)));
        Assert.Equal(4, result.Failures!.Count());
    }

    [Fact]
    public void UnknownMethod_NamesTheKeyAndTheChoices()
    {
        ValidateOptionsResult result = Validate(new FireSeasonOptions { Method = (FireSeasonMethod)7 });
        Assert.Contains(result.Failures!, f => f == "GardenCity:FireSeason:Method '7' is not a method: write Dates, Temperature or AllYear");
    }
}
