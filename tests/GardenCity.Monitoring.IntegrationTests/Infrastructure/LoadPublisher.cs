using System.Globalization;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// Stations under load: each of <see cref="Stations"/> publishes <c>readingsPerStation</c> water-level readings over its
/// own connection at QoS 1, <c>samplesPerMessage</c> to a message (backlog format), and does not move on before the
/// broker acknowledged. A dropped connection is re-established and the unacknowledged message sent again, as a
/// station's store-and-forward firmware does. Reading i of a station has ts = T0 + i s and water_level_m = i / 1000.
/// </summary>
internal sealed class LoadPublisher(int port, int readingsPerStation, int samplesPerMessage, TimeSpan pausePerMessage = default)
{
    public static readonly string[] Stations = ["hhg-wl-01", "jh-wl-01", "qs-wl-01", "qs-wl-02", "yd-wl-01", "yd-wl-02", "yd-wl-03", "zms-wl-01", "zt-wl-01"];
    public static readonly DateTimeOffset T0 = new(2024, 7, 1, 0, 0, 0, TimeSpan.Zero);

    private long _published;

    public long Published => Interlocked.Read(ref _published);

    public int Total => Stations.Length * readingsPerStation;

    /// <summary>Sum of water_level_m over every reading of one station, to compare with InfluxDB's sum().</summary>
    public double ExpectedSumPerStation => Enumerable.Range(0, readingsPerStation).Sum(i => i / 1000.0);

    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(Stations.Select(s => Task.Run(() => RunStationAsync(s, cancellationToken), cancellationToken)));

    private async Task RunStationAsync(string station, CancellationToken cancellationToken)
    {
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptions options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(station)
            .WithCredentials(station, "gc-dev-" + station).WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(10)).Build();
        for (int first = 0; first < readingsPerStation; first += samplesPerMessage)
        {
            var json = new StringBuilder("{\"samples\":[");
            int last = Math.Min(first + samplesPerMessage, readingsPerStation);
            for (int i = first; i < last; i++)
            {
                json.Append(CultureInfo.InvariantCulture, $"{(i > first ? "," : string.Empty)}{{\"ts\":\"{T0.AddSeconds(i):yyyy-MM-ddTHH:mm:ssZ}\",\"seq\":{i},\"values\":{{\"water_level_m\":{i / 1000.0}}}}}");
            }

            MqttApplicationMessage message = new MqttApplicationMessageBuilder().WithTopic($"gc/v1/water-level/{station}/telemetry")
                .WithPayload(json.Append("]}").ToString()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    if (!client.IsConnected)
                    {
                        MqttClientConnectResult result = await client.ConnectAsync(options, cancellationToken);
                        if (result.ResultCode != MqttClientConnectResultCode.Success)
                        {
                            throw new InvalidOperationException($"{station}: {result.ResultCode}");
                        }
                    }

                    if ((await client.PublishAsync(message, cancellationToken)).IsSuccess)
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(200, cancellationToken); // broker away: try again, as a station does
                }
            }

            Interlocked.Add(ref _published, last - first);
            if (pausePerMessage > TimeSpan.Zero)
            {
                await Task.Delay(pausePerMessage, cancellationToken);
            }
        }
    }
}
