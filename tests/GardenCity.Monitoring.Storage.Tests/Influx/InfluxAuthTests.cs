using System.Net;
using System.Text;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Storage.Tests.Influx;

/// <summary>
/// The credentials of <c>/write</c> and <c>/query</c> (v1 writer and <see cref="InfluxQlClient"/>), checked on the
/// requests as they leave the HTTP client: a token goes as <c>Authorization: Token</c>, a 1.x user as Basic, nothing
/// without either, and the secret never reaches a URL or an error message (which the callers log).
/// </summary>
public sealed class InfluxAuthTests
{
    private const string Secret = "s3cr3t-t0ken-value";

    public static TheoryData<string> Calls => ["write", "query", "execute", "stream"];

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Request_WithToken_CarriesTokenScheme(string call)
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);

        await SendAsync(call, handler, new InfluxOptions { Token = Secret, CreateDatabase = false });

        HttpRequestMessage request = Assert.Single(handler.Requests);
        Assert.Equal("Token", request.Headers.Authorization?.Scheme);
        Assert.Equal(Secret, request.Headers.Authorization?.Parameter);
        Assert.DoesNotContain(Secret, request.RequestUri!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Request_WithUsernameAndPassword_CarriesBasic(string call)
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);

        await SendAsync(call, handler, new InfluxOptions { Username = "gardencity", Password = Secret });

        HttpRequestMessage request = Assert.Single(handler.Requests);
        Assert.Equal("Basic", request.Headers.Authorization?.Scheme);
        Assert.Equal("gardencity:" + Secret, Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers.Authorization!.Parameter!)));
        Assert.DoesNotContain(Secret, request.RequestUri!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Request_WithoutCredentials_HasNoAuthorization(string call)
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);

        await SendAsync(call, handler, new InfluxOptions());

        HttpRequestMessage request = Assert.Single(handler.Requests);
        Assert.Null(request.Headers.Authorization);
    }

    [Fact]
    public async Task Request_V2WithToken_QueriesWithTokenScheme()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);

        await SendAsync("query", handler, new InfluxOptions { Version = InfluxApiVersion.V2, Token = Secret, Org = "o", Bucket = "b" });

        Assert.Equal("Token", Assert.Single(handler.Requests).Headers.Authorization?.Scheme);
    }

    [Fact]
    public async Task Write_TokenRefused_ErrorNamesStatusNotTheToken()
    {
        var handler = new RecordingHandler(HttpStatusCode.Unauthorized, """{"code":"unauthorized","message":"unauthorized access"}""");
        var options = Options.Create(new InfluxOptions { Token = Secret, CreateDatabase = false });
        using var http = new HttpClient(handler);
        var writer = new InfluxV1Writer(http, options, new InfluxQlClient(http, options));

        InfluxWriteException ex = await Assert.ThrowsAsync<InfluxWriteException>(() => writer.WriteLinesAsync("m v=1 1\n"u8.ToArray(), TestContext.Current.CancellationToken));

        Assert.Equal(401, ex.StatusCode);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        Assert.False(InfluxWritePolicy.IsTransient(ex));
    }

    [Fact]
    public async Task Query_TokenRefused_ErrorNamesStatusNotTheToken()
    {
        var handler = new RecordingHandler(HttpStatusCode.Unauthorized, """{"code":"unauthorized","message":"unauthorized access"}""");
        using var http = new HttpClient(handler);
        var client = new InfluxQlClient(http, Options.Create(new InfluxOptions { Token = Secret, CreateDatabase = false }));

        InfluxQueryException ex = await Assert.ThrowsAsync<InfluxQueryException>(() => client.QueryAsync("SELECT * FROM weather", TestContext.Current.CancellationToken));

        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
    }

    private static async Task SendAsync(string call, RecordingHandler handler, InfluxOptions influx)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var options = Options.Create(influx);
        using var http = new HttpClient(handler);
        var client = new InfluxQlClient(http, options);
        switch (call)
        {
            case "write":
                await new InfluxV1Writer(http, options, client).WriteLinesAsync("weather,station=w1 air_temp_c=20 1\n"u8.ToArray(), ct);
                break;
            case "query":
                _ = await client.QueryAsync("SELECT * FROM weather", ct);
                break;
            case "execute":
                await client.ExecuteAsync("CREATE DATABASE gardencity", ct);
                break;
            default:
                await foreach (InfluxSeries _ in client.StreamAsync("SELECT * FROM weather", 100, ct))
                {
                }

                break;
        }
    }

    /// <summary>Answers every request with one status and body, keeping the requests (headers only: the body is not needed).</summary>
    private sealed class RecordingHandler(HttpStatusCode status, string body = """{"results":[{"statement_id":0}]}""") : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(status == HttpStatusCode.NoContent && request.RequestUri!.AbsolutePath == "/query" ? HttpStatusCode.OK : status)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            });
        }
    }
}
