using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 18, backup and restore (docs/backup-restore.md): <c>deploy/backup.sh</c> and <c>deploy/restore.sh</c> run
/// through bash against real influxd 1.6.7 servers. An hour of several measurements and a node's state folders are
/// backed up, restored into a fresh influxd (its own ports, empty data folder) and fresh folders, and every point and
/// every state byte is found again.
/// </summary>
public sealed class BackupRestoreTests(ServersFixture servers) : IDisposable
{
    private static readonly string BackupScript = Path.Combine(Repo.Root, "deploy", "backup.sh");
    private static readonly string RestoreScript = Path.Combine(Repo.Root, "deploy", "restore.sh");
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-backup-").FullName;

    public void Dispose() => ServerProcess.DeleteDirectory(_dir);

    [Fact]
    public async Task Backup_RestoredIntoAFreshInfluxd_FindsEveryPointAndEveryStateFile()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = "bk" + Guid.NewGuid().ToString("N")[..12];
        using var http = new HttpClient();
        await new InfluxQlClient(http, Options.Create(new InfluxOptions { Url = servers.Influx.Url, Database = database })).ExecuteAsync($"CREATE DATABASE {InfluxQl.Identifier(database)}", ct);
        List<string> written = KnownHour();
        using (HttpResponseMessage write = await http.PostAsync(new Uri($"{servers.Influx.Url}/write?db={database}"), new StringContent(string.Join('\n', written)), ct))
        {
            Assert.True(write.IsSuccessStatusCode, await write.Content.ReadAsStringAsync(ct));
        }

        // A node laid out as run-local.sh lays it out: the three folders in different places.
        string spool = WriteStateFolder("node/spool", ("spool-000000000001.log", 48_000), ("spool-000000000002.log", 9_000));
        string deadLetter = WriteStateFolder("node/dead-letter", ("dead-letters-20261203.jsonl", 3_000), ("dead-letter-summary-20261203.jsonl", 400));
        string alerting = WriteStateFolder("node/alerting/normal", ("state.json", 2_000), ("outbox.json", 700), ("escalation.json", 300), ("history/2026-12-03.jsonl", 5_000), ("audit/2026-12.jsonl", 1_200));

        var (code, stdout, stderr) = await Bash(BackupScript, "--influx-host", servers.Influx.RpcAddress, "--db", database,
            "--spool", spool, "--dead-letter", deadLetter, "--alerting-state", alerting, Path.Combine(_dir, "backups"));
        Assert.True(code == 0, stdout + stderr);
        string backup = Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "backups")));
        Assert.Matches(@"gardencity-\d{8}T\d{6}\+0800$", backup);

        await using var fresh = new InfluxServer();
        await fresh.StartAsync(ct);
        string[] restored = [Path.Combine(_dir, "restored/spool"), Path.Combine(_dir, "restored/dead-letter"), Path.Combine(_dir, "restored/alerting")];
        (code, stdout, stderr) = await Bash(RestoreScript, "--influx-host", fresh.RpcAddress,
            "--spool", restored[0], "--dead-letter", restored[1], "--alerting-state", restored[2], backup);
        Assert.True(code == 0, stdout + stderr);

        List<string> found = await ReadBackAsync(new InfluxQlClient(http, Options.Create(new InfluxOptions { Url = fresh.Url, Database = database })), ct);
        Assert.Equal(written.Count, found.Count);
        Assert.Equal(written.Order(StringComparer.Ordinal), found.Order(StringComparer.Ordinal));
        AssertSameFiles(spool, restored[0]);
        AssertSameFiles(deadLetter, restored[1]);
        AssertSameFiles(alerting, restored[2]);
    }

    /// <summary>The default layout: one state folder copied whole, restored where it came from (backup-info.txt).</summary>
    [Fact]
    public async Task StateRoot_RestoredWithoutTargets_GoesBackWhereItCameFrom()
    {
        string root = WriteStateFolder("var/lib/gardencity", ("ingest/spool/spool-000000000001.log", 20_000), ("alerting/state/state.json", 900), ("alerting/dead-letter/dead-letters-20261203.jsonl", 600));
        string copy = Path.Combine(_dir, "expected");
        CopyDirectory(root, copy);
        var (code, stdout, stderr) = await Bash(BackupScript, "--no-influx", "--state-dir", root, Path.Combine(_dir, "backups"));
        Assert.True(code == 0, stdout + stderr);
        Directory.Delete(root, recursive: true);

        (code, stdout, stderr) = await Bash(RestoreScript, "--no-influx", Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "backups"))));

        Assert.True(code == 0, stdout + stderr);
        AssertSameFiles(copy, root);
    }

    /// <summary>--quiesce runs before the state is copied and --resume after it (stopping and starting the services).</summary>
    [Fact]
    public async Task QuiesceAndResume_BracketTheStateCopy()
    {
        string alerting = WriteStateFolder("node/alerting", ("outbox.jsonl", 500));
        string state = Path.Combine(alerting, "state.json");
        await File.WriteAllTextAsync(state, "running", TestContext.Current.CancellationToken);

        var (code, stdout, stderr) = await Bash(BackupScript, "--no-influx", "--alerting-state", alerting,
            "--quiesce", $"printf stopped > '{state}'", "--resume", $"printf started > '{state}'", Path.Combine(_dir, "backups"));

        Assert.True(code == 0, stdout + stderr);
        string backup = Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "backups")));
        Assert.Equal("stopped", await File.ReadAllTextAsync(Path.Combine(backup, "state", "alerting", "state.json"), TestContext.Current.CancellationToken));
        Assert.Equal("started", await File.ReadAllTextAsync(state, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Restore_OverAFolderInUse_RefusesNamingTheOption_AndWithForceKeepsTheOldFolder()
    {
        string spool = WriteStateFolder("node/spool", ("spool-000000000001.log", 10_000));
        var (code, stdout, stderr) = await Bash(BackupScript, "--no-influx", "--spool", spool, Path.Combine(_dir, "backups"));
        Assert.True(code == 0, stdout + stderr);
        string backup = Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "backups")));
        string target = WriteStateFolder("other/spool", ("spool-000000000007.log", 100));

        (code, _, stderr) = await Bash(RestoreScript, "--no-influx", "--spool", target, backup);
        Assert.Equal(1, code);
        Assert.Contains($"{target} (for state/spool) is not empty", stderr, StringComparison.Ordinal);
        Assert.Contains("--force", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(target, "spool-000000000007.log")), "the refused restore changed the folder");

        (code, stdout, stderr) = await Bash(RestoreScript, "--no-influx", "--force", "--spool", target, backup);
        Assert.True(code == 0, stdout + stderr);
        AssertSameFiles(spool, target);
        string kept = Assert.Single(Directory.GetDirectories(Path.GetDirectoryName(target)!, "spool.before-restore-*"));
        Assert.True(File.Exists(Path.Combine(kept, "spool-000000000007.log")));
    }

    [Fact]
    public async Task Restore_DamagedBackup_IsRefusedBeforeAnythingChanges()
    {
        string spool = WriteStateFolder("node/spool", ("spool-000000000001.log", 10_000));
        var (code, stdout, stderr) = await Bash(BackupScript, "--no-influx", "--spool", spool, Path.Combine(_dir, "backups"));
        Assert.True(code == 0, stdout + stderr);
        string backup = Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "backups")));
        string file = Path.Combine(backup, "state", "spool", "spool-000000000001.log");
        byte[] bytes = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
        bytes[5000] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes, TestContext.Current.CancellationToken);
        string target = Path.Combine(_dir, "restored", "spool");

        (code, _, stderr) = await Bash(RestoreScript, "--no-influx", "--spool", target, backup);

        Assert.Equal(1, code);
        Assert.Contains("./state/spool/spool-000000000001.log: FAILED", stderr, StringComparison.Ordinal);
        Assert.Contains("does not match its SHA256SUMS", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Theory]
    [InlineData("backup", new string[0], "BACKUP_ROOT is missing")]
    [InlineData("backup", new[] { "--influx-host", "localhost", "/tmp/x" }, "--influx-host (GC_INFLUX_RPC) 'localhost' is not HOST:PORT")]
    [InlineData("backup", new[] { "--spool", "/nonexistent/spool", "/tmp/x" }, "--spool: folder '/nonexistent/spool' does not exist (set it to the node's GardenCity:Spool:Directory)")]
    [InlineData("restore", new string[0], "BACKUP_DIR is missing")]
    [InlineData("restore", new[] { "--new-db", "x", "/tmp" }, "--new-db needs --db")]
    public async Task BadArguments_ExitTwoNamingTheArgument(string script, string[] arguments, string message)
    {
        var (code, _, stderr) = await Bash(script == "backup" ? BackupScript : RestoreScript, arguments);

        Assert.True(code == 2, stderr);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Contains("--help", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// An hour (2026-11-30 10:00–11:00 Beijing time) of three gauges' water levels each minute, two weather stations'
    /// temperature, rain and sequence numbers each minute, two fire-weather stations every five minutes and a few
    /// camera-trap triggers with a species name: one line per point, canonical (tags and fields sorted).
    /// </summary>
    private static List<string> KnownHour()
    {
        long start = new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(8)).ToUnixTimeSeconds() * 1_000_000_000;
        const long Minute = 60_000_000_000;
        var lines = new List<string>();
        for (int m = 0; m < 60; m++)
        {
            long t = start + (m * Minute);
            for (int s = 1; s <= 3; s++)
            {
                lines.Add(Line("water_level", $"kind=hydrology,site=yongding-{s},station=yd-wl-0{s}", $"seq={m}i,water_level_m={Number(1.25 + (0.013 * m) + (0.5 * s))}", t));
            }

            for (int s = 1; s <= 2; s++)
            {
                lines.Add(Line("weather", $"kind=weather,site=baihua-mountain,station=bhs-wx-0{s}", $"rain_mm={Number(m % 7 == 0 ? 2.5 * s : 0)},seq={m}i,temperature_c={Number(-3.75 + (0.1 * m) - s)}", t));
                if (m % 5 == 0)
                {
                    lines.Add(Line("fire", $"kind=fire,site=lingshan,station=ls-fw-0{s}", $"fwi={Number(12.5 + m + s)},relative_humidity={Number(35 - (0.25 * m))}", t));
                }
            }

            if (m % 17 == 3)
            {
                lines.Add(Line("camera_trap_trigger", "kind=camera_trap,site=baihua-mountain,station=bhs-ct-07", $"count={1 + (m % 3)}i,species=\"Panthera pardus\"", t));
            }
        }

        return lines;
    }

    private static string Line(string measurement, string tags, string fields, long time) => $"{measurement},{tags} {fields} {time.ToString(CultureInfo.InvariantCulture)}";

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Every point of the database as a canonical line (the fields' types from the schema: integers end in i).</summary>
    private static async Task<List<string>> ReadBackAsync(InfluxQlClient query, CancellationToken ct)
    {
        string[] integers = ["seq", "count"];
        var lines = new List<string>();
        foreach (InfluxSeries series in await query.QueryAsync("SELECT * FROM /.*/ GROUP BY *", ct))
        {
            string tags = string.Join(',', series.Tags.Where(t => t.Value.Length > 0).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
            for (int row = 0; row < series.Values.Count; row++)
            {
                var fields = new List<string>();
                foreach (string column in series.Columns.Where(c => c != "time" && !series.Tags.ContainsKey(c)).Order(StringComparer.Ordinal))
                {
                    JsonElement value = series.Get(row, column);
                    if (value.ValueKind == JsonValueKind.Null)
                    {
                        continue;
                    }

                    fields.Add(value.ValueKind == JsonValueKind.String ? $"{column}=\"{value.GetString()}\""
                        : integers.Contains(column) ? $"{column}={value.GetInt64().ToString(CultureInfo.InvariantCulture)}i"
                        : $"{column}={Number(value.GetDouble())}");
                }

                lines.Add(Line(series.Name, tags, string.Join(',', fields), series.Get(row, "time").GetInt64()));
            }
        }

        return lines;
    }

    /// <summary>A state folder under the test's folder with files of seeded random bytes (the sizes given).</summary>
    private string WriteStateFolder(string relative, params (string File, int Bytes)[] files)
    {
        string dir = Path.Combine(_dir, relative);
        var random = new Random(relative.Length * 7919);
        foreach ((string file, int size) in files)
        {
            string path = Path.Combine(dir, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            byte[] bytes = new byte[size];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
        }

        return dir;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static void AssertSameFiles(string expected, string actual)
    {
        string[] Files(string dir) => [.. Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal)];
        string[] names = Files(expected);
        Assert.NotEmpty(names);
        Assert.Equal(names, Files(actual));
        foreach (string name in names)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expected, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, name))), $"{name} differs after the restore");
        }
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> Bash(string script, params string[] arguments) =>
        Repo.RunAsync("bash", [script, .. arguments], timeout: TimeSpan.FromMinutes(2));
}
