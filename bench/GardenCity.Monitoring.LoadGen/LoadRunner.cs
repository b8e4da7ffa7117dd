using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.LoadGen;

/// <summary>
/// One load run: connects one MQTT client per station (client id and user name = station id, as in the field),
/// publishes the plan at QoS 1 with at most <see cref="LoadOptions.Window"/> unacknowledged messages per connection
/// (flood) or at a total rate (paced, each reading at its due time start + i / rate), and meanwhile measures where the
/// readings arrive (<see cref="StoredTracker"/>, a plain subscriber, <see cref="AlertMatcher"/>).
/// </summary>
internal sealed class LoadRunner(LoadOptions options, TimeProvider time, TextWriter progress)
{
    private readonly PublishLog _log = new(options.Plan.Stations, options.Plan.ReadingsPerStation, (long)options.TsOffset.TotalMilliseconds,
        (long)options.TsInterval.TotalMilliseconds, time.GetUtcNow().ToUnixTimeMilliseconds());
    private readonly MqttClientFactory _factory = new();
    private long _acked;
    private long _failures;
    private long _received;
    private long _lastReceivedMs;
    private long _pollFailures;

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Runs the load and returns its report.</summary>
    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.MaxDuration);
        CancellationToken ct = deadline.Token;
        DateTimeOffset startedAt = time.GetUtcNow();
        var stations = new IMqttClient[options.Plan.Stations];
        IMqttClient? alertClient = null, sinkClient = null;
        var matcher = new AlertMatcher(options.Plan, _log);
        try
        {
            await Parallel.ForAsync(0, stations.Length, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
                async (s, c) => stations[s] = await ConnectAsync(LoadPlan.StationId(s), options.Password, c).ConfigureAwait(false)).ConfigureAwait(false);
            if (options.Alerts)
            {
                alertClient = await SubscribeAsync("alerts", "gc/v1/alerts/#", e =>
                {
                    if (!e.ApplicationMessage.Retain)
                    {
                        matcher.Observe(e.ApplicationMessage.Payload.ToArray(), NowMs);
                    }
                }, ct).ConfigureAwait(false);
            }

            if (options.Sink == Sink.Mqtt)
            {
                sinkClient = await SubscribeAsync("sink", "gc/v1/+/+/telemetry", _ =>
                {
                    Interlocked.Increment(ref _received);
                    Interlocked.Exchange(ref _lastReceivedMs, NowMs);
                }, ct).ConfigureAwait(false);
            }

            progress.WriteLine($"{options.CaseName}: {stations.Length} stations connected; publishing {options.Plan.Total} readings "
                + (options.Rate > 0 ? $"at {options.Rate.ToString(CultureInfo.InvariantCulture)}/s" : "as fast as acknowledged"));
            long startMs = NowMs;
            var tracker = new StoredTracker(_log);
            var storedLatencies = new List<double>();
            using var probeStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task probe = options.Sink == Sink.Influx ? ProbeStoredAsync(tracker, storedLatencies, probeStop.Token) : Task.CompletedTask;
            bool timedOut = false;
            try
            {
                await Task.WhenAll(Enumerable.Range(0, stations.Length).Select(s => PublishStationAsync(stations[s], s, startMs, ct))).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                timedOut = true; // --max-seconds while publishing: reported as such, with what arrived
            }

            long publishEndMs = NowMs;
            progress.WriteLine($"{options.CaseName}: published in {(publishEndMs - startMs) / 1000.0:0.0} s, {Interlocked.Read(ref _failures)} failures");

            long? drainStartMs = null;
            if (options.DrainStartFile is { } file && !timedOut)
            {
                drainStartMs = await WaitForDrainStartAsync(file, ct).ConfigureAwait(false);
            }

            string end = timedOut ? "max-duration" : await WaitDeliveredAsync(tracker, Math.Max(publishEndMs, drainStartMs ?? 0), ct).ConfigureAwait(false);
            await probeStop.CancelAsync().ConfigureAwait(false);
            await probe.ConfigureAwait(false);
            if (options.Alerts)
            {
                long until = NowMs + (long)options.AlertWait.TotalMilliseconds;
                while (matcher.Matched < matcher.Expected && NowMs < until && !ct.IsCancellationRequested)
                {
                    await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                }

                progress.WriteLine($"{options.CaseName}: slowest alerts: {matcher.Slowest(startMs, 5)}");
            }

            long delivered = options.Sink switch { Sink.Influx => tracker.Confirmed, Sink.Mqtt => Interlocked.Read(ref _received), _ => 0 };
            long lastMs = options.Sink switch { Sink.Influx => tracker.LastProgressMs, Sink.Mqtt => Interlocked.Read(ref _lastReceivedMs), _ => publishEndMs };
            double e2e = Math.Max(0, lastMs - startMs) / 1000.0;
            double? drainSeconds = drainStartMs is { } d && delivered > 0 ? Math.Max(0, lastMs - d) / 1000.0 : null;
            long published = Enumerable.Range(0, stations.Length).Sum(s => (long)_log.Published(s));
            long acked = Interlocked.Read(ref _acked);
            return new LoadReport
            {
                Case = options.CaseName,
                StartedAt = startedAt,
                Stations = stations.Length,
                Readings = options.Plan.Total,
                RateTarget = options.Rate,
                Window = options.Window,
                TsOffsetSeconds = options.TsOffset.TotalSeconds,
                Sink = options.Sink.ToString().ToLowerInvariant(),
                Published = published,
                Acked = acked,
                PublishFailures = Interlocked.Read(ref _failures),
                PublishSeconds = (publishEndMs - startMs) / 1000.0,
                PublishRate = Rate(acked, (publishEndMs - startMs) / 1000.0),
                Delivered = delivered,
                Lost = options.Sink == Sink.None ? 0 : options.Plan.Total - delivered,
                EndToEndSeconds = e2e,
                ReadingsPerSecond = Rate(delivered, e2e),
                End = options.Sink == Sink.None ? "published" : end,
                PollIntervalMs = options.PollInterval.TotalMilliseconds,
                PollFailures = Interlocked.Read(ref _pollFailures),
                StoredLatency = LatencySummary.Of(storedLatencies),
                DrainSeconds = drainSeconds,
                DrainRate = drainSeconds is { } ds ? Rate(delivered, ds) : null,
                GeneratorCpuSeconds = Math.Round(Environment.CpuUsage.TotalTime.TotalSeconds, 2),
                Alerts = options.Alerts ? Report(matcher) : null,
            };
        }
        finally
        {
            foreach (IMqttClient? client in stations.Append(alertClient).Append(sinkClient))
            {
                await DisconnectAsync(client).ConfigureAwait(false);
            }
        }
    }

    private static double Rate(long count, double seconds) => seconds > 0 ? Math.Round(count / seconds) : 0;

    private static AlertReport Report(AlertMatcher matcher)
    {
        (LatencySummary latency, IReadOnlyList<SlowAlert> slowest) = matcher.Summarise(10);
        return new AlertReport(matcher.Expected, matcher.Matched, matcher.Live, matcher.Late, matcher.Unmatched, latency, slowest);
    }

    private async Task PublishStationAsync(IMqttClient client, int station, long startMs, CancellationToken ct)
    {
        int window = options.Window;
        using var slots = new SemaphoreSlim(window, window);
        string topic = LoadPlan.Topic(station);
        for (int k = 0; k < options.Plan.ReadingsPerStation; k++)
        {
            if (options.Rate > 0)
            {
                long due = startMs + (long)(((long)k * options.Plan.Stations + station) * 1000.0 / options.Rate);
                long wait = due - NowMs;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), time, ct).ConfigureAwait(false);
                }
            }

            await slots.WaitAsync(ct).ConfigureAwait(false);
            long ts = _log.Record(station, NowMs);
            MqttApplicationMessage message = new MqttApplicationMessageBuilder().WithTopic(topic)
                .WithPayload(options.Plan.Payload(station, k, ts)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            Task<MqttClientPublishResult> publish;
            try
            {
                publish = client.PublishAsync(message, ct); // the calls go out in order; acks are awaited beside
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                publish = Task.FromException<MqttClientPublishResult>(ex); // e.g. not connected: counted as a failure
            }

            _ = AcknowledgedAsync(publish, slots);
        }

        for (int i = 0; i < window; i++)
        {
            await slots.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task AcknowledgedAsync(Task<MqttClientPublishResult> publish, SemaphoreSlim slots)
    {
        try
        {
            MqttClientPublishResult result = await publish.ConfigureAwait(false);
            if (result.IsSuccess)
            {
                Interlocked.Increment(ref _acked);
            }
            else
            {
                Interlocked.Increment(ref _failures);
            }
        }
#pragma warning disable CA1031 // a failed publish is counted and reported, whatever the exception
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failures);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task ProbeStoredAsync(StoredTracker tracker, List<double> latencies, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(options.InfluxUrl), Timeout = TimeSpan.FromSeconds(5) };
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.PollInterval, time, ct).ConfigureAwait(false);
                if (tracker.OldestPendingTs() is not { } since)
                {
                    continue;
                }

                string q = $"SELECT count(water_level_m) FROM water_level WHERE time >= {since.ToString(CultureInfo.InvariantCulture)}ms GROUP BY station";
                using HttpResponseMessage response = await http.GetAsync(
                    $"query?db={Uri.EscapeDataString(options.Database)}&q={Uri.EscapeDataString(q)}", ct).ConfigureAwait(false);
                byte[] body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                long answeredAt = NowMs;
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _pollFailures);
                    continue;
                }

                tracker.Apply(since, CountsByStation(body), answeredAt, latencies); // read by the caller once this task ended
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                Interlocked.Increment(ref _pollFailures); // influxd busy or down: unknown this time
            }
        }
    }

    /// <summary>The counts per station index of an InfluxQL answer grouped by station (missing database: none).</summary>
    internal static Dictionary<int, long> CountsByStation(byte[] body)
    {
        var counts = new Dictionary<int, long>();
        using JsonDocument doc = JsonDocument.Parse(body);
        foreach (JsonElement result in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            if (!result.TryGetProperty("series", out JsonElement series))
            {
                continue;
            }

            foreach (JsonElement s in series.EnumerateArray())
            {
                string id = s.GetProperty("tags").GetProperty("station").GetString() ?? string.Empty;
                if (id.StartsWith("load-wl-", StringComparison.Ordinal) && int.TryParse(id.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                {
                    counts[index] = s.GetProperty("values")[0][1].GetInt64();
                }
            }
        }

        return counts;
    }

    private async Task<string> WaitDeliveredAsync(StoredTracker tracker, long sinceMs, CancellationToken ct)
    {
        if (options.Sink == Sink.None)
        {
            return "published";
        }

        long total = options.Plan.Total;
        while (true)
        {
            long delivered = options.Sink == Sink.Influx ? tracker.Confirmed : Interlocked.Read(ref _received);
            if (delivered >= total)
            {
                return "complete";
            }

            long last = Math.Max(sinceMs, options.Sink == Sink.Influx ? tracker.LastProgressMs : Interlocked.Read(ref _lastReceivedMs));
            if (NowMs - last > options.StallTimeout.TotalMilliseconds)
            {
                return "stalled";
            }

            try
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return "max-duration";
            }
        }
    }

    private async Task<long> WaitForDrainStartAsync(string file, CancellationToken ct)
    {
        progress.WriteLine($"{options.CaseName}: waiting for {file} (the drain start)");
        while (true)
        {
            if (File.Exists(file) && long.TryParse((await File.ReadAllTextAsync(file, ct).ConfigureAwait(false)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long ms))
            {
                return ms;
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    private async Task<IMqttClient> ConnectAsync(string clientId, string? password, CancellationToken ct)
    {
        IMqttClient client = _factory.CreateMqttClient();
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder().WithTcpServer(options.Host, options.Port).WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500).WithCleanStart(true).WithTimeout(TimeSpan.FromSeconds(30));
        if (password is not null)
        {
            builder = builder.WithCredentials(clientId, password);
        }

        try
        {
            MqttClientConnectResult result = await client.ConnectAsync(builder.Build(), ct).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new LoadException($"the broker {options.Host}:{options.Port} refused {clientId}: {result.ResultCode} {result.ReasonString}");
            }
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or System.Net.Sockets.SocketException or IOException)
        {
            client.Dispose();
            throw new LoadException($"cannot connect {clientId} to the broker {options.Host}:{options.Port}: {ex.Message}", ex);
        }

        return client;
    }

    private async Task<IMqttClient> SubscribeAsync(string role, string filter, Action<MqttApplicationMessageReceivedEventArgs> onMessage, CancellationToken ct)
    {
        string clientId = $"gardencity-load-{role}-{Environment.ProcessId}";
        IMqttClient client = await ConnectAsync(clientId, null, ct).ConfigureAwait(false);
        client.ApplicationMessageReceivedAsync += e =>
        {
            onMessage(e);
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build(), ct).ConfigureAwait(false);
        return client;
    }

    private static async Task DisconnectAsync(IMqttClient? client)
    {
        if (client is null)
        {
            return;
        }

        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // the broker is already gone: nothing to close
        }
        finally
        {
            client.Dispose();
        }
    }
}
