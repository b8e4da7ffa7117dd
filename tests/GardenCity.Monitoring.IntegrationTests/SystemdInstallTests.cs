using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 18, without containers (docs/systemd.md): <c>deploy/install.sh</c> run through bash into a temporary prefix
/// (never as a system installation: <c>--no-system</c> or <c>--destdir</c>), the installed <c>gardencity</c> run from
/// there, and the installed units checked by <c>systemd-analyze verify</c>.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SystemdInstallTests : IDisposable
{
    private static readonly string InstallScript = Path.Combine(Repo.Root, "deploy", "install.sh");
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-install-").FullName;

    public void Dispose() => ServerProcess.DeleteDirectory(_dir);

    private string Prefix => Path.Combine(_dir, "opt", "gardencity");

    private string SysConfDir => Path.Combine(_dir, "etc", "gardencity");

    private string UnitDir => Path.Combine(_dir, "units");

    private Task<(int ExitCode, string Stdout, string Stderr)> InstallInPrefixAsync() =>
        Repo.RunAsync("bash", [InstallScript, "--prefix", Prefix, "--sysconfdir", SysConfDir, "--unitdir", UnitDir, "--no-system", "--no-build", "--configuration", Repo.Configuration], timeout: TimeSpan.FromMinutes(5));

    [Fact]
    public async Task Install_InATemporaryPrefix_RunsFromThere_AndAgainKeepsChangedSettings()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var (code, stdout, stderr) = await InstallInPrefixAsync();
        Assert.True(code == 0, stdout + stderr);

        string gardencity = Path.Combine(Prefix, "bin", "gardencity");
        (code, stdout, stderr) = await Repo.RunAsync(gardencity, ["--help"], workingDirectory: _dir);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("run", stdout, StringComparison.Ordinal);
        string stations = Path.Combine(SysConfDir, "stations.yaml");
        (code, stdout, stderr) = await Repo.RunAsync(gardencity, ["registry", "check", "--file", stations], workingDirectory: _dir);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"{stations}: OK", stdout, StringComparison.Ordinal);
        (code, stdout, stderr) = await Repo.RunAsync(gardencity, ["rules", "check", "--dir", Path.Combine(SysConfDir, "rules"), "--registry", stations], workingDirectory: _dir);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("OK, 19 rules in 7 files", stdout, StringComparison.Ordinal);
        (code, _, _) = await Repo.RunAsync(Path.Combine(Prefix, "bin", "gardencity-backup"), ["--help"], workingDirectory: _dir);
        Assert.Equal(0, code);

        // The units and the settings name the prefix and the configuration folder; no placeholder is left.
        string ingest = await File.ReadAllTextAsync(Path.Combine(UnitDir, "gardencity-ingest.service"), ct);
        string alerting = await File.ReadAllTextAsync(Path.Combine(UnitDir, "gardencity-alerting.service"), ct);
        string env = Path.Combine(SysConfDir, "gardencity.env");
        string settings = await File.ReadAllTextAsync(env, ct);
        Assert.Contains($"ExecStart={gardencity} run --roles ingest\n", ingest, StringComparison.Ordinal);
        Assert.Contains($"ExecStart={gardencity} run --roles alerting,api\n", alerting, StringComparison.Ordinal);
        Assert.Contains($"EnvironmentFile={env}\n", ingest, StringComparison.Ordinal);
        Assert.Contains($"GARDENCITY_GardenCity__RegistryPath={stations}\n", settings, StringComparison.Ordinal);
        Assert.DoesNotContain("@", ingest + alerting + settings, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(env));

        // Again (an upgrade): the program is replaced, a changed setting is kept and the shipped file goes beside it.
        await File.WriteAllTextAsync(env, settings.Replace("gc-dev-gardencity-ingest", "a-real-secret", StringComparison.Ordinal), ct);
        (code, stdout, stderr) = await InstallInPrefixAsync();
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"kept your {env}; the shipped one is {env}.dist", stdout, StringComparison.Ordinal);
        Assert.Contains("a-real-secret", await File.ReadAllTextAsync(env, ct), StringComparison.Ordinal);
        Assert.Equal(settings, await File.ReadAllTextAsync(env + ".dist", ct));
        Assert.False(File.Exists(stations + ".dist"), "an unchanged file got a .dist copy");
        Assert.Equal(["gardencity"], Directory.GetFileSystemEntries(Path.Combine(Prefix, "lib")).Select(Path.GetFileName)); // no .new or .old left
        (code, _, stderr) = await Repo.RunAsync(gardencity, ["--help"], workingDirectory: _dir);
        Assert.True(code == 0, stderr);
    }

    /// <summary>
    /// The settings each installed unit gives the program — its <c>Environment=</c> lines, then the settings file
    /// (<c>EnvironmentFile=</c>, which wins), its <c>ExecStart=</c> — pass the program's own checks: every key known,
    /// every value valid, the registry, rules and quality policy in the configuration folder loading. One setting is
    /// made wrong on purpose (the health URL), so the program stops after checking instead of running; it must be the
    /// only error. The state folders are moved to the test's folder, as a drop-in would, so nothing is made in /var/lib.
    /// </summary>
    [Theory]
    [InlineData("gardencity-ingest.service")]
    [InlineData("gardencity-alerting.service")]
    public async Task InstalledUnit_ItsSettings_PassTheProgramsChecks(string unitName)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var (code, stdout, stderr) = await InstallInPrefixAsync();
        Assert.True(code == 0, stdout + stderr);
        string state = Path.Combine(_dir, "state");
        string[] unit = await File.ReadAllLinesAsync(Path.Combine(UnitDir, unitName), ct);
        string Value(string key) => Assert.Single(unit, l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in unit.Where(l => l.StartsWith("Environment=", StringComparison.Ordinal)).Select(l => l["Environment=".Length..])
            .Concat((await File.ReadAllLinesAsync(Value("EnvironmentFile"), ct)).Where(l => l.Length > 0 && !l.StartsWith('#'))))
        {
            string[] pair = line.Split('=', 2);
            environment[pair[0]] = pair[1].Replace("/var/lib/gardencity", state, StringComparison.Ordinal);
        }

        string workingDirectory = Directory.CreateDirectory(Value("WorkingDirectory").Replace("/var/lib/gardencity", state, StringComparison.Ordinal)).FullName;
        string[] command = Value("ExecStart").Split(' ');

        (code, stdout, stderr) = await Repo.RunAsync("env", [.. environment.Select(kv => $"{kv.Key}={kv.Value}"), .. command, "--set", "GardenCity:Health:Url=not-a-url"], workingDirectory: workingDirectory);

        Assert.True(code == 2, stdout + stderr);
        string[] errors = [.. stderr.Split('\n').Where(l => l.Contains("Configuration error", StringComparison.Ordinal))];
        Assert.True(errors.Length == 1, stderr);
        Assert.Contains("GardenCity:Health:Url 'not-a-url' is not an http(s) URL", errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain("warning", stderr, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>DESTDIR style: the files are staged under a folder and name the final paths, as a package build does.</summary>
    [Fact]
    public async Task Install_WithDestDir_StagesFilesThatNameTheFinalPaths()
    {
        var (code, stdout, stderr) = await Repo.RunAsync("env", [$"DESTDIR={_dir}", "bash", InstallScript, "--no-build", "--configuration", Repo.Configuration], timeout: TimeSpan.FromMinutes(5));

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("no gardencity user made", stdout, StringComparison.Ordinal);
        string unit = await File.ReadAllTextAsync(Path.Combine(_dir, "etc", "systemd", "system", "gardencity-ingest.service"), TestContext.Current.CancellationToken);
        Assert.Contains("ExecStart=/opt/gardencity/bin/gardencity run --roles ingest\n", unit, StringComparison.Ordinal);
        Assert.Contains("EnvironmentFile=/etc/gardencity/gardencity.env\n", unit, StringComparison.Ordinal);
        (code, stdout, stderr) = await Repo.RunAsync(Path.Combine(_dir, "opt", "gardencity", "bin", "gardencity"), ["--help"], workingDirectory: _dir);
        Assert.True(code == 0, stdout + stderr);
    }

    /// <summary>
    /// <c>systemd-analyze verify</c> on the installed units (their ExecStart exists in the temporary prefix). It exits 0
    /// even for a setting it cannot parse (it ignores it with a message), so any output is a failure too.
    /// </summary>
    [Fact]
    public async Task InstalledUnits_PassSystemdAnalyzeVerify()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze is not installed (Debian package 'systemd'; tests/run-tests.sh installs it): the units were not verified.");
        var (code, stdout, stderr) = await InstallInPrefixAsync();
        Assert.True(code == 0, stdout + stderr);

        (code, stdout, stderr) = await Repo.RunAsync("/usr/bin/systemd-analyze", ["verify", Path.Combine(UnitDir, "gardencity-ingest.service"), Path.Combine(UnitDir, "gardencity-alerting.service")], workingDirectory: _dir);

        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(string.Empty, (stdout + stderr).Trim());
    }

    [Theory]
    [InlineData("--prefix", "opt/gardencity", "--prefix 'opt/gardencity' is not an absolute path")]
    [InlineData("--publish-dir", "/nonexistent", "--publish-dir '/nonexistent' holds no gardencity.dll")]
    [InlineData("--frobnicate", "", "unknown argument '--frobnicate'")]
    public async Task BadArguments_NameTheArgument(string option, string value, string message)
    {
        string[] arguments = value.Length > 0 ? [InstallScript, option, value, "--destdir", _dir] : [InstallScript, option];
        var (code, _, stderr) = await Repo.RunAsync("bash", arguments, workingDirectory: _dir);

        Assert.NotEqual(0, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
