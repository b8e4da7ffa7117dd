using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>The <c>gardencity</c> executable, run as a person runs it: <c>dotnet gardencity.dll ...</c>.</summary>
public sealed class HostCliTests(ServersFixture servers)
{
    /// <summary>A password that must never appear in any output.</summary>
    private const string Secret = "never-log-this-7f3a";

    private static Task<(int ExitCode, string Stdout, string Stderr)> GardenCity(string? stdin, params string[] args) =>
        Repo.RunAsync("dotnet", [Repo.GardenCityDll, .. args], stdin);

    [Fact]
    public async Task RegistryCheck_ShippedRegistry_PrintsSummaryAndExitsZero()
    {
        var (code, stdout, stderr) = await GardenCity(null, "registry", "check");

        Assert.True(code == 0, stderr);
        Assert.Contains("deploy/stations.yaml: OK, 34 stations at 12 sites", stdout, StringComparison.Ordinal);
        Assert.Contains("water-level", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistryCheck_BrokenFile_ExitsTwoNamingFileLineAndField()
    {
        string file = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.yaml");
        string text = (await File.ReadAllTextAsync(Path.Combine(Repo.Root, "deploy", "stations.yaml"), TestContext.Current.CancellationToken))
            .Replace("    lat: 39.9636\n", "    lat: 95.5\n", StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, text, TestContext.Current.CancellationToken);
        int line = text.Split('\n').ToList().IndexOf("    lat: 95.5") + 1;
        try
        {
            var (code, _, stderr) = await GardenCity(null, "registry", "check", "--file", file);

            Assert.True(code == 2, stderr);
            Assert.Contains($"{file}:{line}:", stderr, StringComparison.Ordinal);
            Assert.Contains("field 'stations[", stderr, StringComparison.Ordinal);
            Assert.Contains("(yd-wl-03).lat': 95.5 is outside -90 .. 90", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("    lat: 39.9636\n", "   lat: 39.9636\n", ":250:4: field '(syntax)': this line is not indented like the list items before it")]
    [InlineData("  - id: zms-wl-01\n", " - id: zms-wl-01\n", ":279:2: field '(syntax)': this line is not indented like the fields of its block")]
    [InlineData("    lat: 39.9636\n", "    lat: 39.9636\n\tlon: 116.1\n", "a tab is used for indentation; YAML indents with spaces only")]
    [InlineData("version: 1\n", "version: { 1\n", "is never closed")]
    public async Task RegistryCheck_BrokenYamlSyntax_SaysWhatIsWrongInPlainWords(string original, string broken, string expected)
    {
        string file = Path.Combine(Path.GetTempPath(), $"syntax-{Guid.NewGuid():N}.yaml");
        string text = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "deploy", "stations.yaml"), TestContext.Current.CancellationToken);
        int at = text.IndexOf(original, StringComparison.Ordinal);
        Assert.True(at >= 0, original);
        await File.WriteAllTextAsync(file, text[..at] + broken + text[(at + original.Length)..], TestContext.Current.CancellationToken);
        try
        {
            var (code, stdout, stderr) = await GardenCity(null, "registry", "check", "--file", file);

            Assert.True(code == 2, stderr);
            Assert.Contains($"{file}:", stderr, StringComparison.Ordinal);
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Run_BrokenRegistry_ExitsTwoBeforeStarting()
    {
        var (code, _, stderr) = await GardenCity(null, "run", "--set", "GardenCity:RegistryPath=/nonexistent/stations.yaml");

        Assert.True(code == 2, stderr);
        Assert.Contains("/nonexistent/stations.yaml", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GardenCity:Mqtt:BatchSize=0", "BatchSize")]
    [InlineData("GardenCity:Mqtt:BatchInterval=00:10:00", "BatchInterval")]
    [InlineData("GardenCity:Influx:Url=ftp://influx", "GardenCity:Influx:Url")]
    [InlineData("GardenCity:Influx:Version=V2", "GardenCity:Influx:Token is required")]
    [InlineData("GardenCity:Roles=ingest,teleport", "teleport")]
    [InlineData("nonsense", "KEY=VALUE")]
    [InlineData("GardenCity:Influx:SpoolAfter=00:00:01", "GardenCity:Influx:SpoolAfter (00:00:01) must be at least GardenCity:Influx:WriteTimeout")]
    [InlineData("GardenCity:Mqtt:BatchSize=0", "Configuration error: The field GardenCity:Mqtt:BatchSize must be between 1 and 50000.")]
    [InlineData("GardenCity:Roles=", "Configuration error: The GardenCity:Roles field is required.")]
    [InlineData("GardenCity:RegistryPath=", "Configuration error: The GardenCity:RegistryPath field is required.")]
    [InlineData("GardenCity:Health:Url=127.0.0.1:9464", "Configuration error: GardenCity:Health:Url '127.0.0.1:9464' is not an http(s) URL")]
    [InlineData("GardenCity:Health:Url=https://127.0.0.1:9464", "Configuration error: GardenCity:Health:Url is https but GardenCity:Health:CertificatePath (a PKCS#12 file) is not set.")]
    [InlineData("GardenCity:Spool:Directory=", "Configuration error: The GardenCity:Spool:Directory field is required.")]
    [InlineData("GardenCity:DeadLetter:MaxTotalBytes=1", "Configuration error: The field GardenCity:DeadLetter:MaxTotalBytes must be between")]
    [InlineData("GardenCity:Wire:MaxDepth=1", "Configuration error: The field GardenCity:Wire:MaxDepth must be between 4 and 64.")]
    public async Task Run_InvalidOption_ExitsTwoWithClearMessage(string setting, string expected)
    {
        var (code, stdout, stderr) = await GardenCity(null, "run", "--set", "GardenCity:Mqtt:Host=127.0.0.1", "--set", setting);

        Assert.True(code == 2, stderr);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal); // never a stack trace
    }

    [Theory]
    [InlineData("GardenCity:Api:Url=https://127.0.0.1:8443", "Configuration error: GardenCity:Api:Url is https but GardenCity:Api:CertificatePath (a PKCS#12 file, e.g. from deploy/tls/make-certs.sh) is not set.")]
    [InlineData("GardenCity:Api:Url=ftp://127.0.0.1:8443", "Configuration error: GardenCity:Api:Url 'ftp://127.0.0.1:8443' is not an http(s) URL with a port")]
    [InlineData("GardenCity:Api:Keys:0:Name=duty", "Configuration error: The GardenCity:Api:Keys:0:KeyHash field is required.")]
    [InlineData("GardenCity:Alerting:RulesDirectory=/nonexistent/rules", "the rules folder '/nonexistent/rules' does not exist (looked for /nonexistent/rules); create it and put the rule files (*.yaml) in it, or point GardenCity:Alerting:RulesDirectory")]
    public async Task Run_InvalidRoleOption_ExitsTwoWithClearMessage(string setting, string expected)
    {
        var (code, stdout, stderr) = await GardenCity(null, "run", "--roles", "alerting,api", "--set", "GardenCity:Mqtt:Host=127.0.0.1", "--set", setting);

        Assert.True(code == 2, stderr);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SettingsOfSeveralSectionsInvalid_ReportsEachOnItsOwnLine()
    {
        var (code, stdout, stderr) = await GardenCity(null, "run", "--set", "GardenCity:Mqtt:Host=127.0.0.1",
            "--set", "GardenCity:Mqtt:BatchSize=0", "--set", "GardenCity:Influx:Version=V2", "--set", "GardenCity:Spool:Directory=");

        Assert.True(code == 2, stderr);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("Configuration error: The field GardenCity:Mqtt:BatchSize must be between 1 and 50000.", lines);
        Assert.Contains("Configuration error: GardenCity:Influx:Token is required when GardenCity:Influx:Version is V2.", lines);
        Assert.Contains("Configuration error: The GardenCity:Spool:Directory field is required.", lines);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BrokenQualityPolicy_ExitsTwoNamingFileLineAndField()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("gc-quality-").FullName, "quality.yaml");
        await File.WriteAllTextAsync(file, "version: 1\nkinds:\n  water-level:\n    water_levl_m:\n      soft: { max: 9 }\n", TestContext.Current.CancellationToken);

        var (code, stdout, stderr) = await GardenCity(null, "run", "--set", "GardenCity:Mqtt:Host=127.0.0.1", "--set", $"GardenCity:Quality:PolicyFile={file}");

        Assert.True(code == 2, stderr);
        Assert.Contains($"{file}:4:5: field 'kinds.water-level.water_levl_m': 'water_levl_m' is not a water-level field", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingQualityPolicySetExplicitly_ExitsTwoNamingTheSetting()
    {
        var (code, _, stderr) = await GardenCity(null, "run", "--set", "GardenCity:Mqtt:Host=127.0.0.1", "--set", "GardenCity:Quality:PolicyFile=/nonexistent/quality.yaml");

        Assert.True(code == 2, stderr);
        Assert.Contains("/nonexistent/quality.yaml", stderr, StringComparison.Ordinal);
        Assert.Contains("GardenCity:Quality:PolicyFile", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RemovedAckToken_ExitsTwoSayingWhatToDoInstead()
    {
        var (code, _, stderr) = await GardenCity(null, "run", "--roles", "alerting", "--set", "GardenCity:Mqtt:Host=127.0.0.1", "--set", "GardenCity:Alerting:AckToken=s3cret");

        Assert.True(code == 2, stderr);
        Assert.Contains("GardenCity:Alerting:AckToken is no longer used", stderr, StringComparison.Ordinal);
        Assert.Contains("gardencity api new-key", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HashPassword_PasswordOnStdin_PrintsHashThatVerifies()
    {
        var (code, stdout, stderr) = await GardenCity("correct horse\n", "registry", "hash-password");

        Assert.True(code == 0, stderr);
        Assert.True(PasswordHasher.Verify("correct horse", stdout.Trim()));
    }

    [Theory]
    [InlineData("GardenCity:Mqtt:BatchSiz=5", "Configuration error: GardenCity:Mqtt:BatchSiz is not a setting of this build (set by --set); did you mean GardenCity:Mqtt:BatchSize?")]
    [InlineData("GardenCity:Mqqt:Port=1884", "did you mean GardenCity:Mqtt:Port?")]
    [InlineData("GardenCity:Api:Keys:0:Nmae=duty", "did you mean GardenCity:Api:Keys:0:Name?")]
    [InlineData("GardenCity:Teleporter=on", "Configuration error: GardenCity:Teleporter is not a setting of this build (set by --set); see the configuration table in README.md.")]
    [InlineData("GardenCity:Mqtt:BatchInterval=soon", "Configuration error: GardenCity:Mqtt:BatchInterval 'soon' is not a duration: write 500ms, 30s, 5m, 6h, 1d or hh:mm:ss (set by --set).")]
    [InlineData("GardenCity:Mqtt:BatchSize=many", "Configuration error: GardenCity:Mqtt:BatchSize 'many' is not a whole number in range (set by --set).")]
    [InlineData("GardenCity:Influx:Version=V3", "Configuration error: GardenCity:Influx:Version 'V3' is not one of V1, V2 (set by --set).")]
    [InlineData("GardenCity:Mqtt:BatchInterval=10m", "Configuration error: The field GardenCity:Mqtt:BatchInterval must be between")] // 10m read as 10 minutes: out of range
    public async Task Run_UnknownKeyOrUnreadableValue_ExitsTwoSayingWhatToWrite(string setting, string expected)
    {
        var (code, stdout, stderr) = await GardenCity(null, "run", "--set", "GardenCity:Mqtt:Host=127.0.0.1", "--set", setting);

        Assert.True(code == 2, stderr);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500ms")]
    [InlineData("2s")]
    [InlineData("00:00:00.5")]
    public async Task Run_DurationWithUnit_IsAccepted(string interval)
    {
        // BatchSize=0 makes the run stop at validation; the interval must not be among the problems.
        var (code, _, stderr) = await GardenCity(null, "run", "--set", "GardenCity:Mqtt:Host=127.0.0.1", "--set", $"GardenCity:Mqtt:BatchInterval={interval}", "--set", "GardenCity:Mqtt:BatchSize=0");

        Assert.True(code == 2, stderr);
        Assert.Equal(["Configuration error: The field GardenCity:Mqtt:BatchSize must be between 1 and 50000."], stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Run_UnknownKeyInConfigFile_NamesTheFile()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("gc-config-").FullName, "site.json");
        await File.WriteAllTextAsync(file, """{ "GardenCity": { "Influx": { "Databse": "gardencity" } } }""", TestContext.Current.CancellationToken);

        var (code, _, stderr) = await GardenCity(null, "run", "--config", file, "--set", "GardenCity:Mqtt:Host=127.0.0.1");

        Assert.True(code == 2, stderr);
        Assert.Contains($"GardenCity:Influx:Databse is not a setting of this build (set in --config {file}); did you mean GardenCity:Influx:Database?", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunHelp_ListsEveryRole()
    {
        var (code, stdout, stderr) = await GardenCity(null, "run", "--help");

        Assert.True(code == 0, stderr);
        foreach (string role in new[] { "broker", "ingest", "alerting", "api" })
        {
            Assert.Matches($@"(?m)^\s+{role}\s+\S", stdout);
        }
    }

    [Fact]
    public async Task HashPassword_InATerminal_AsksTwiceWithoutEcho()
    {
        const string Password = "typed-in-a-terminal-51";
        using Process terminal = Repo.Start("script", ["-qefc", $"dotnet {Repo.GardenCityDll} registry hash-password", "/dev/null"]);
        var output = new System.Text.StringBuilder();
        Task<bool> Until(string text) => Task.Run(async () =>
        {
            char[] buffer = new char[256];
            while (!output.ToString().Contains(text, StringComparison.Ordinal))
            {
                int n = await terminal.StandardOutput.ReadAsync(buffer, TestContext.Current.CancellationToken);
                if (n == 0)
                {
                    return false;
                }

                output.Append(buffer, 0, n);
            }

            return true;
        });
        try
        {
            Assert.True(await Until("Station password:"), output.ToString());
            await terminal.StandardInput.WriteAsync(Password + "\r");
            await terminal.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
            Assert.True(await Until("Again:"), output.ToString());
            await terminal.StandardInput.WriteAsync(Password + "\r");
            await terminal.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
            Assert.True(await Until("pbkdf2-sha256$"), output.ToString());
            await terminal.WaitForExitAsync(TestContext.Current.CancellationToken);
            output.Append(await terminal.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken));

            string text = output.ToString();
            Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
            string hash = text[text.IndexOf("pbkdf2-sha256$", StringComparison.Ordinal)..].Split('\r', '\n')[0];
            Assert.True(PasswordHasher.Verify(Password, hash), text);
        }
        finally
        {
            if (!terminal.HasExited)
            {
                terminal.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task NewKey_PrintsJsonEnvironmentAndSetFormsThatConfigureTheKey()
    {
        var (code, stdout, stderr) = await GardenCity(null, "api", "new-key", "--name", "duty officer 李", "--role", "responder");

        Assert.True(code == 0, stderr);
        string key = System.Text.RegularExpressions.Regex.Match(stdout, "gck_[A-Za-z0-9_-]{43}").Value;
        string hash = Api.Auth.ApiKeys.Hash(key);
        int open = stdout.IndexOf("\n{", StringComparison.Ordinal) + 1;
        int close = stdout.IndexOf("\n}", StringComparison.Ordinal) + 2;
        JsonElement entry = JsonDocument.Parse(stdout[open..close]).RootElement.GetProperty("GardenCity").GetProperty("Api").GetProperty("Keys")[0];
        Assert.Equal(("duty officer 李", "Responder", hash), (entry.GetProperty("Name").GetString(), entry.GetProperty("Role").GetString(), entry.GetProperty("KeyHash").GetString()));
        Assert.Contains("GARDENCITY_GardenCity__Api__Keys__0__Name='duty officer 李'", stdout, StringComparison.Ordinal);
        Assert.Contains($"GARDENCITY_GardenCity__Api__Keys__0__KeyHash={hash}", stdout, StringComparison.Ordinal);

        // The --set line, pasted into a shell after gardencity run: the key is read and valid (only the bad URL fails).
        string setLine = stdout.Split('\n').Single(l => l.StartsWith("--set ", StringComparison.Ordinal));
        var (runCode, _, runErr) = await Repo.RunAsync("bash", ["-c", $"dotnet {Repo.GardenCityDll} run --roles api --set GardenCity:Mqtt:Host=127.0.0.1 --set GardenCity:Api:Url=https://127.0.0.1:8443 {setLine} --set GardenCity:Api:Keys:0:Role=Nobody"]);
        Assert.True(runCode == 2, runErr);
        Assert.Contains("GardenCity:Api:Keys:0:Role 'Nobody' is not one of", runErr, StringComparison.Ordinal);
        var (okCode, _, okErr) = await Repo.RunAsync("bash", ["-c", $"dotnet {Repo.GardenCityDll} run --roles api --set GardenCity:Mqtt:Host=127.0.0.1 --set GardenCity:Api:Url=https://127.0.0.1:8443 {setLine}"]);
        Assert.True(okCode == 2, okErr);
        Assert.Equal(["Configuration error: GardenCity:Api:Url is https but GardenCity:Api:CertificatePath (a PKCS#12 file, e.g. from deploy/tls/make-certs.sh) is not set."],
            okErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Run_EmbeddedBroker_StoresAPublishedReadingAndStopsCleanlyOnSigterm()
    {
        int port = ServerProcess.FreePort();
        int healthPort = ServerProcess.FreePort();
        string database = "cli" + Guid.NewGuid().ToString("N")[..10];
        string deadLetters = Directory.CreateTempSubdirectory("gc-cli-dlq-").FullName;
        using Process process = Repo.Start("dotnet", [Repo.GardenCityDll, "run",
            "--set", $"GardenCity:Broker:Port={port}",
            "--set", $"GardenCity:Influx:Url={servers.Influx.Url}",
            "--set", $"GardenCity:Influx:Database={database}",
            "--set", "GardenCity:Retention:RawDuration=36500.00:00:00", // the reading is from 2023: a 90-day raw policy would refuse it
            "--set", $"GardenCity:DeadLetter:Directory={deadLetters}",
            "--set", $"GardenCity:Spool:Directory={deadLetters}/spool",
            "--set", $"GardenCity:Health:Url=http://127.0.0.1:{healthPort}",
            "--set", "GardenCity:Influx:Username=gardencity",
            "--set", $"GardenCity:Influx:Password={Secret}"]);
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            TestPublisher? station = null;
            await InfluxServer.WaitUntilAsync(async () =>
            {
                try
                {
                    station = await TestPublisher.ConnectAsync(port, "zms-wl-01", "zms-wl-01", "gc-dev-zms-wl-01");
                    return true;
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or Xunit.Sdk.EqualException)
                {
                    // Not listening yet, or listening but holding stations back until the worker has subscribed.
                    Assert.False(process.HasExited, "gardencity run exited early");
                    return false;
                }
            }, TimeSpan.FromSeconds(60), () => "gardencity run did not open the embedded broker", TestContext.Current.CancellationToken);
            await using (station!)
            {
                await station!.PublishAsync("gc/v1/water-level/zms-wl-01/telemetry", """{"ts":"2023-07-31T02:15:00Z","seq":3,"values":{"water_level_m":1.93}}""");
            }

            var query = new InfluxQlClient(new HttpClient(), Options.Create(new InfluxOptions { Url = servers.Influx.Url, Database = database }));
            double? level = null;
            await InfluxServer.WaitUntilAsync(async () =>
            {
                try
                {
                    IReadOnlyList<InfluxSeries> series = await query.QueryAsync("SELECT water_level_m FROM water_level WHERE station = 'zms-wl-01'", CancellationToken.None);
                    level = series.Count == 1 ? series[0].Get(0, "water_level_m").GetDouble() : null;
                }
                catch (InvalidOperationException)
                {
                    // The database is created by the worker a moment after start.
                }

                return level is not null;
            }, TimeSpan.FromSeconds(60), () => "the reading did not arrive in InfluxDB", TestContext.Current.CancellationToken);
            Assert.Equal(1.93, level);

            // Health and metrics over HTTP, as a monitoring system reads them.
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{healthPort}") };
            Assert.Equal("Healthy", await http.GetStringAsync("/healthz", TestContext.Current.CancellationToken));
            string ready = await http.GetStringAsync("/readyz", TestContext.Current.CancellationToken);
            Assert.StartsWith("Healthy", ready, StringComparison.Ordinal);
            Assert.Contains("broker: Healthy subscribed", ready, StringComparison.Ordinal);
            Assert.Contains($"mqtt-broker: Healthy accepting stations on port {port}", ready, StringComparison.Ordinal);
            Assert.Contains("spool: Healthy empty", ready, StringComparison.Ordinal);
            string metrics = await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            Assert.Matches(@"(?m)^gardencity_readings_stored_total(\{[^}]*\})? 1(\s|$)", metrics);
            Assert.Matches(@"(?m)^gardencity_broker_connected(\{[^}]*\})? 1(\s|$)", metrics);
            Assert.DoesNotMatch(@"(?m)^readings_stored_total", metrics); // every name of ours is prefixed
            // Buckets on the seconds scale (5 ms .. 30 s), not the SDK's millisecond-style 0, 5, 10, ... 10000.
            Assert.Matches(@"(?m)^gardencity_influx_write_duration_seconds_bucket\{[^}]*le=""0.005""[^}]*\} \d", metrics);
            Assert.Matches(@"(?m)^gardencity_influx_write_duration_seconds_bucket\{[^}]*le=""30""[^}]*\} 1(\s|$)", metrics);
            Assert.DoesNotMatch(@"gardencity_influx_write_duration_seconds_bucket\{[^}]*le=""10000""", metrics);
            Assert.Matches(@"(?m)^target_info\{[^}]*service_name=""gardencity""", metrics);

            Assert.Equal(0, Kill(process.Id, "TERM"));
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, process.ExitCode);
            string output = await stdout;
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"Embedded MQTT broker listening on 127.0.0.1:{port}"), output, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, output + await stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            Directory.Delete(deadLetters, recursive: true);
        }
    }

    private static int Kill(int pid, string signal)
    {
        using Process kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode;
    }
}
