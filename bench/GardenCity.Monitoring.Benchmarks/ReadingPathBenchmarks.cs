using BenchmarkDotNet.Attributes;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Benchmarks;

/// <summary>
/// The ingestion worker's CPU work per batch of 1,000 live messages (one sample each), step by step: decode and
/// validate (wire contract v1), the quality checks, and line protocol. Each benchmark is one batch; divide by 1,000 for
/// the cost per reading.
/// </summary>
[MemoryDiagnoser]
public class ReadingPathBenchmarks
{
    private const int Batch = 1000;
    private (string Topic, byte[] Payload)[] _messages = [];
    private (string Topic, byte[] Payload)[] _backlog = [];
    private List<Reading> _readings = [];
    private WireDecoder _decoder = null!;
    private QualityChecker _checker = null!;
    private DateTimeOffset _now;
    private readonly LineProtocolBuffer _lines = new();

    /// <summary>Messages and decoded readings of the shipped registry's gauges.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _messages = Fleet.TelemetryMessages(Batch);
        _backlog = Fleet.TelemetryMessages(Batch / 20, samples: 20);
        _readings = Fleet.Decode(_messages);
        _decoder = new WireDecoder(Fleet.Registry, new WireDecoderOptions());
        _now = Fleet.T0.AddDays(1);
    }

    /// <summary>A fresh checker per iteration, so every iteration judges the same readings from the same state.</summary>
    [IterationSetup(Target = nameof(QualityChecks))]
    public void FreshChecker() => _checker = new QualityChecker(Fleet.Quality);

    /// <summary>Decode and validate 1,000 live messages.</summary>
    [Benchmark]
    public int DecodeLive()
    {
        int n = 0;
        foreach ((string topic, byte[] payload) in _messages)
        {
            n += _decoder.Decode(topic, payload, _now).Readings.Count;
        }

        return n;
    }

    /// <summary>Decode and validate 50 backlog messages of 20 samples (1,000 readings).</summary>
    [Benchmark]
    public int DecodeBacklog()
    {
        int n = 0;
        foreach ((string topic, byte[] payload) in _backlog)
        {
            n += _decoder.Decode(topic, payload, _now).Readings.Count;
        }

        return n;
    }

    /// <summary>The quality checks of 1,000 readings.</summary>
    [Benchmark]
    public int QualityChecks()
    {
        int flagged = 0;
        foreach (Reading reading in _readings)
        {
            flagged += _checker.Assess(reading, _now).Quality.Flag == QualityFlag.Good ? 0 : 1;
        }

        return flagged;
    }

    /// <summary>Line protocol of 1,000 readings into the reused buffer (what the worker sends to InfluxDB or the spool).</summary>
    [Benchmark]
    public int LineProtocol()
    {
        _lines.Clear();
        PointMapper.Write(_lines, _readings);
        return _lines.Length;
    }

    /// <summary>
    /// The same line protocol the way it was made before commit bf514e8 (InfluxDB.Client's immutable <c>PointData</c>,
    /// one UTF-16 string per batch, then UTF-8 for HTTP), kept for comparison in one run.
    /// </summary>
    [Benchmark]
    public int LineProtocolBefore()
    {
        var text = new System.Text.StringBuilder();
        foreach (TelemetryReading t in _readings.Cast<TelemetryReading>())
        {
            InfluxDB.Client.Writes.PointData point = InfluxDB.Client.Writes.PointData.Measurement(PointMapper.TelemetryMeasurement(t.Station.Kind))
                .Tag("station", t.Station.Id).Tag("site", t.Station.Site.Id).Tag("kind", t.Station.Kind.ToWireName())
                .Timestamp(t.Timestamp, InfluxDB.Client.Api.Domain.WritePrecision.Ns);
            point = t.Station.Watershed is { } w ? point.Tag("watershed", w) : point;
            point = t.Seq is { } seq ? point.Field("seq", seq) : point;
            foreach ((string field, double value) in t.Values)
            {
                point = point.Field(field, value);
            }

            text.Append(point.ToLineProtocol()).Append('\n');
        }

        return System.Text.Encoding.UTF8.GetByteCount(text.ToString());
    }
}
