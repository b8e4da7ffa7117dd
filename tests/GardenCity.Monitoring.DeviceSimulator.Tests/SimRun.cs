using System.Text;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.DeviceSimulator.Model;
using GardenCity.Monitoring.DeviceSimulator.Scenarios;

namespace GardenCity.Monitoring.DeviceSimulator.Tests;

/// <summary>A scenario generated once over the shipped registry, with every message decoded by the real wire decoder.</summary>
internal sealed class SimRun
{
    public static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));
    private static readonly Dictionary<string, SimRun> Cache = [];

    private SimRun(string scenario, ulong seed, DateTimeOffset? start, TimeSpan? duration)
    {
        Scenario s = Scenario.Create(scenario)!;
        Simulation = new Simulation(Registry.Stations.Select(x => new SimStation(x, seed)).ToList(), s, seed,
            start ?? s.DefaultStart ?? new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero), duration ?? s.DefaultDuration);
        Messages = Simulation.Generate().ToList();
        var decoder = new WireDecoder(Registry, new WireDecoderOptions());
        DateTimeOffset now = Simulation.End.AddMinutes(1);
        Decoded = Messages.Where(m => m.Type is not (SimMessageType.LinkLost or SimMessageType.LinkBack))
            .Select(m => (m, decoder.Decode(m.Topic, m.Payload, now))).ToList();
    }

    public Simulation Simulation { get; }

    public List<SimMessage> Messages { get; }

    public List<(SimMessage Message, DecodeResult Result)> Decoded { get; }

    public IEnumerable<Reading> Readings => Decoded.SelectMany(d => d.Result.Readings);

    public IEnumerable<TelemetryReading> Telemetry(string stationId) => Readings.OfType<TelemetryReading>().Where(r => r.Station.Id == stationId);

    public static SimRun Get(string scenario, ulong seed = 1, DateTimeOffset? start = null, TimeSpan? duration = null)
    {
        string key = $"{scenario}/{seed}/{start}/{duration}";
        lock (Cache)
        {
            return Cache.TryGetValue(key, out SimRun? run) ? run : Cache[key] = new SimRun(scenario, seed, start, duration);
        }
    }

    public static string Text(SimMessage m) => Encoding.UTF8.GetString(m.Payload);
}
