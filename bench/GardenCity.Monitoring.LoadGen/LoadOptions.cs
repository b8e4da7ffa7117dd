namespace GardenCity.Monitoring.LoadGen;

/// <summary>Where the readings are counted: stored in InfluxDB, received by a plain MQTT subscriber, or nowhere.</summary>
internal enum Sink
{
    /// <summary>InfluxDB point counts (publish → stored).</summary>
    Influx,

    /// <summary>A plain QoS 1 subscriber of this process (the broker's own delivery rate).</summary>
    Mqtt,

    /// <summary>Only publish (a backlog queued while the worker is down, counted by a later run or the script).</summary>
    None,
}

/// <summary>One run of the load generator (the <c>run</c> command's options; README of bench/ for each).</summary>
internal sealed record LoadOptions
{
    public required string CaseName { get; init; }

    public required string Host { get; init; }

    public required int Port { get; init; }

    public string? Password { get; init; }

    public required LoadPlan Plan { get; init; }

    /// <summary>Readings per second over all stations; 0 = flood (as fast as acknowledged).</summary>
    public double Rate { get; init; }

    /// <summary>Unacknowledged QoS 1 messages each connection may have.</summary>
    public int Window { get; init; } = 16;

    public Sink Sink { get; init; } = Sink.Influx;

    public string InfluxUrl { get; init; } = "http://127.0.0.1:8086";

    public string Database { get; init; } = "gardencity";

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>After publishing, give up when nothing new was stored (or received) for this long.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The whole run ends after this long, finished or not.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Added to the wall clock for <c>ts</c> (negative: a backdated backlog).</summary>
    public TimeSpan TsOffset { get; init; }

    /// <summary>
    /// Zero: <c>ts</c> is the wall clock at publish (plus <see cref="TsOffset"/>). Otherwise a station's readings are
    /// measured this far apart and end one interval before the start plus the offset: a backlog a station buffered while
    /// its link was down (<see cref="PublishLog"/>).
    /// </summary>
    public TimeSpan TsInterval { get; init; }

    /// <summary>Subscribe to <c>gc/v1/alerts/#</c> and match alerts to the crossings.</summary>
    public bool Alerts { get; init; }

    /// <summary>After everything is stored, wait at most this long for crossing alerts still to come.</summary>
    public TimeSpan AlertWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>After publishing, wait for this file (holding the drain start, Unix ms) before timing the drain.</summary>
    public string? DrainStartFile { get; init; }

    /// <summary>Where the JSON report goes (also printed on standard output).</summary>
    public string? ReportPath { get; init; }
}
