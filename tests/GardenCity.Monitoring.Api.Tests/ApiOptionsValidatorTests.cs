using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Tests;

public sealed class ApiOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new ApiOptionsValidator().Validate(null, new ApiOptions()).Succeeded);

    [Theory]
    [InlineData("https://127.0.0.1:8443")]
    [InlineData("not a url")]
    public void Validate_UrlNotPlainHttp_FailsNamingTheKeyAndWhatToDo(string url)
    {
        ValidateOptionsResult result = new ApiOptionsValidator().Validate(null, new ApiOptions { Url = url });

        Assert.True(result.Failed);
        Assert.Contains($"GardenCity:Api:Url '{url}' is not an http URL with a port (put TLS in a reverse proxy in front).", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(ApiOptions.MaxRange))]
    [InlineData(nameof(ApiOptions.MaxPoints))]
    [InlineData(nameof(ApiOptions.OfflineAfter))]
    [InlineData(nameof(ApiOptions.MaxConcurrentExports))]
    [InlineData(nameof(ApiOptions.ExportQueueLength))]
    [InlineData(nameof(ApiOptions.MaxConcurrentQueries))]
    [InlineData(nameof(ApiOptions.QueryQueueLength))]
    [InlineData(nameof(ApiOptions.RetryAfter))]
    public void Validate_OutOfRange_FailsNamingTheSetting(string setting)
    {
        var options = new ApiOptions();
        switch (setting)
        {
            case nameof(ApiOptions.MaxRange): options.MaxRange = TimeSpan.FromHours(1); break;
            case nameof(ApiOptions.MaxPoints): options.MaxPoints = 1; break;
            case nameof(ApiOptions.OfflineAfter): options.OfflineAfter = TimeSpan.FromSeconds(1); break;
            case nameof(ApiOptions.MaxConcurrentExports): options.MaxConcurrentExports = 0; break;
            case nameof(ApiOptions.ExportQueueLength): options.ExportQueueLength = -1; break;
            case nameof(ApiOptions.MaxConcurrentQueries): options.MaxConcurrentQueries = 0; break;
            case nameof(ApiOptions.QueryQueueLength): options.QueryQueueLength = -1; break;
            default: options.RetryAfter = TimeSpan.Zero; break;
        }

        ValidateOptionsResult result = new ApiOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{nameof(ApiOptions)}.{setting}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(ApiKey.Name), "")]
    [InlineData(nameof(ApiKey.KeyHash), "not-a-hash")]
    public void Validate_BadKey_FailsNamingTheItem(string field, string value)
    {
        var options = new ApiOptions();
        var key = new ApiKey { Name = "duty officer", KeyHash = new string('a', 64) };
        if (field == nameof(ApiKey.Name))
        {
            key.Name = value;
        }
        else
        {
            key.KeyHash = value;
        }

        options.Keys.Add(key);

        ValidateOptionsResult result = new ApiOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"Keys[0].{field}", result.FailureMessage, StringComparison.Ordinal);
    }
}
