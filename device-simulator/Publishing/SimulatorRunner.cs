using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.DeviceSimulator.Model;

namespace GardenCity.Monitoring.DeviceSimulator.Publishing;

/// <summary>Plays a simulation: paces it (<c>--speed</c>, <c>--rate</c>), publishes or writes it, and counts what went out.</summary>
public sealed class SimulatorRunner(TimeProvider time)
{
    /// <param name="simulation">What to play.</param>
    /// <param name="scenario">The scenario's name, for the report.</param>
    /// <param name="seed">The seed the simulation was made with, for the report.</param>
    /// <param name="publisher">The fleet's connections, or null for a dry run.</param>
    /// <param name="dryRun">Where a dry run writes one JSON line per message, or null.</param>
    /// <param name="speed">Simulated seconds per real second; 0 plays as fast as possible.</param>
    /// <param name="rate">Most messages per real second; 0 for no limit.</param>
    /// <param name="progress">Told the simulated time reached and the messages sent so far.</param>
    /// <param name="cancellationToken">Stops the run; what was sent is counted.</param>
    /// <param name="concurrency">Most messages in flight at once, across stations; each station still sends one at a time, in order.</param>
    public async Task<SimReport> RunAsync(Simulation simulation, string scenario, ulong seed, FleetPublisher? publisher, TextWriter? dryRun,
        double speed, double rate, IProgress<(DateTimeOffset SimTime, long Messages)>? progress, CancellationToken cancellationToken, int concurrency = 1)
    {
        var report = new SimReport { Scenario = scenario, Seed = seed, Start = simulation.Start, End = simulation.End, Stations = simulation.Stations.Count };
        var byId = simulation.Stations.ToDictionary(s => s.Id);
        if (publisher is not null)
        {
            await publisher.ConnectAllAsync(simulation.Stations, simulation.Start, cancellationToken).ConfigureAwait(false);
        }

        using var slots = new SemaphoreSlim(Math.Max(1, concurrency));
        var tails = new Dictionary<string, Task>(StringComparer.Ordinal);

        async Task SendAfterAsync(Task previous, SimMessage message, SimStation station)
        {
            try
            {
                await previous.ConfigureAwait(false);
                bool ok = await publisher!.SendAsync(message, station, cancellationToken).ConfigureAwait(false);
                Record(report, message, station, ok);
            }
            finally
            {
                slots.Release();
            }
        }

        long started = time.GetTimestamp();
        TimeSpan nextSlot = TimeSpan.Zero;
        long sent = 0;
        foreach (SimMessage message in simulation.Generate())
        {
            cancellationToken.ThrowIfCancellationRequested();
            TimeSpan due = speed > 0 ? (message.SendAt - simulation.Start) / speed : TimeSpan.Zero;
            if (rate > 0)
            {
                due = due > nextSlot ? due : nextSlot;
                nextSlot = due + TimeSpan.FromSeconds(1 / rate);
            }

            TimeSpan wait = due - time.GetElapsedTime(started);
            if (publisher is not null && wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }

            SimStation station = byId[message.StationId];
            if (publisher is null)
            {
                Record(report, message, station, ok: true);
            }
            else
            {
                // One message at a time per station (its order is kept), up to `concurrency` stations at once.
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                Task previous = tails.GetValueOrDefault(station.Id, Task.CompletedTask);
                tails[station.Id] = SendAfterAsync(previous, message, station);
            }

            if (dryRun is not null)
            {
                await dryRun.WriteLineAsync(DryRunLine(message)).ConfigureAwait(false);
            }

            if (++sent % 500 == 0)
            {
                progress?.Report((message.SendAt, report.Messages));
            }
        }

        await Task.WhenAll(tails.Values).ConfigureAwait(false);
        report.SamplesLostAtStations = simulation.SamplesLostAtStations;
        progress?.Report((simulation.End, report.Messages));
        return report;
    }

    private static void Record(SimReport report, SimMessage message, SimStation station, bool ok)
    {
        lock (report)
        {
            if (ok)
            {
                report.Add(message, station.Kind.ToWireName());
            }
            else if (message.Type == SimMessageType.Bad)
            {
                // A broker with per-station ACLs refuses some malformed messages (another station's id, another kind, a
                // topic outside the contract) before they reach the pipeline: that is the expected outcome there.
                report.RefusedByBroker[message.ExpectedRejection!] = report.RefusedByBroker.GetValueOrDefault(message.ExpectedRejection!) + 1;
            }
            else
            {
                report.PublishFailures++;
            }
        }
    }

    private static string DryRunLine(SimMessage message)
    {
        bool text = System.Text.Unicode.Utf8.IsValid(message.Payload);
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["send_at"] = Payloads.Ts(message.SendAt),
            ["type"] = message.Type.ToString(),
            ["station"] = message.StationId,
            ["topic"] = message.Topic,
            ["retain"] = message.Retain,
            [text ? "payload" : "payload_base64"] = text ? Encoding.UTF8.GetString(message.Payload) : Convert.ToBase64String(message.Payload),
            ["expected_rejection"] = message.ExpectedRejection,
        });
    }
}
