using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>The water levels a test's worker stored in its database, as <see cref="LoadPublisher"/>'s readings are counted.</summary>
internal static class WaterLevels
{
    /// <summary>An InfluxQL client of <paramref name="database"/> on <paramref name="influx"/>.</summary>
    public static InfluxQlClient Query(InfluxServer influx, string database) =>
        new(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, Options.Create(new InfluxOptions { Url = influx.Url, Database = database }));

    /// <summary>How many water levels are stored (0 while the database does not exist yet).</summary>
    public static async Task<long> CountAsync(InfluxQlClient query)
    {
        try
        {
            IReadOnlyList<InfluxSeries> series = await query.QueryAsync("SELECT count(water_level_m) FROM water_level", CancellationToken.None);
            return series.Count == 0 ? 0 : series[0].Get(0, "count").GetInt64();
        }
        catch (InvalidOperationException)
        {
            return 0; // the database does not exist yet
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> water levels are stored (120 s unless <paramref name="timeout"/>).</summary>
    public static async Task WaitForAsync(InfluxQlClient query, long count, TimeSpan? timeout = null)
    {
        long last = 0;
        await InfluxServer.WaitUntilAsync(async () => (last = await CountAsync(query)) >= count, timeout ?? TimeSpan.FromSeconds(120),
            () => $"{last} of {count} readings stored", TestContext.Current.CancellationToken);
    }
}
