using System.Reflection;
using System.Runtime.CompilerServices;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Storage.Spool;
using MQTTnet;

namespace GardenCity.Monitoring.Alerting.Worker;

/// <summary>
/// Readies the path of an alert change at start, so that the first alert after a start is told as fast as the rest
/// (docs/alerting.md, "The first alert after a start"). The worker's own code is compiled on first use, with full
/// optimisation (no quick first tier, bench/README.md "JIT"): on 2 cores the first alerts after a start took 0.4–0.6 s,
/// later ones 10–20 ms. Two steps, neither of which writes anything or tells anyone: the alert path's methods are
/// compiled ahead (<see cref="Compile"/>, <see cref="RuntimeHelpers.PrepareMethod(RuntimeMethodHandle)"/>),
/// and made-up changes (<see cref="AlertEngine.Specimens"/>) go through the steps of the notification path that have
/// no side effect, which also builds System.Text.Json's metadata for their types.
/// </summary>
internal static class AlertPathWarmUp
{
    /// <summary>
    /// Compiles every method that has a body (of types and methods without open generic parameters) of the alert path:
    /// the alerting assembly but its rules (evaluated on every reading, compiled by then) and, unless
    /// <paramref name="duty"/>, its duty-room channels; the alert and audit types, the spool and, with
    /// <paramref name="mqtt"/>, MQTTnet's client, packets and formatters. Returns how many.
    /// </summary>
    public static int Compile(bool duty, bool mqtt)
    {
        int compiled = 0;
        foreach (Type type in CompiledTypes(duty, mqtt))
        {
            foreach (MethodBase method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
            {
                if (method.IsAbstract || method.ContainsGenericParameters || method.GetMethodBody() is null)
                {
                    continue;
                }

                try
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    compiled++;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Left to be compiled on first use, as without the warm-up (a type that cannot load here, or whose
                    // static constructor, which the compiler may run, fails: it would fail the same way in use).
                }
            }
        }

        return compiled;
    }

    /// <summary>Renders <paramref name="specimens"/> (a raise, an escalation) through the side-effect-free steps of the notification path and the state journal.</summary>
    public static void Render(IReadOnlyList<AlertChange> specimens, NotificationPipeline pipeline, EngineSnapshot journalPart, EngineSnapshot whole)
    {
        CapEntry[] caps = pipeline.WarmUp(specimens);
        _ = AlertStateStore.Line(new AlertStateRecord("warm-up", [specimens[^1].Station.Id], journalPart, caps));
        _ = AlertStateStore.Line(caps[^1]);
        _ = AlertStateStore.Line(whole);
    }

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> CompiledTypes(bool duty, bool mqtt)
    {
        Assembly alerting = typeof(AlertPathWarmUp).Assembly, core = typeof(AlertNotification).Assembly;
        IEnumerable<Type> types = alerting.GetTypes()
            .Where(t => t.Namespace is not { } ns || (!ns.StartsWith("GardenCity.Monitoring.Alerting.Rules", StringComparison.Ordinal)
                && (duty || !ns.StartsWith("GardenCity.Monitoring.Alerting.Duty", StringComparison.Ordinal))))
            .Concat(InNamespace(core, "GardenCity.Monitoring.Core.Alerts"))
            .Concat(InNamespace(core, "GardenCity.Monitoring.Core.Audit"))
            .Concat(InNamespace(typeof(FileSpool).Assembly, "GardenCity.Monitoring.Storage.Spool")); // the history's spool
        if (mqtt)
        {
            // Publishing: the workers' own connections only receive.
            Assembly mqttnet = typeof(MqttClient).Assembly;
            types = types.Concat(mqttnet.GetTypes().Where(t => t.Namespace is "MQTTnet" or "MQTTnet.Packets" or "MQTTnet.PacketDispatcher"
                || t.Namespace?.StartsWith("MQTTnet.Formatter", StringComparison.Ordinal) == true));
        }

        return types.Where(t => !t.ContainsGenericParameters && !t.IsInterface);
    }

    private static IEnumerable<Type> InNamespace(Assembly assembly, string ns) =>
        assembly.GetTypes().Where(t => t.Namespace?.StartsWith(ns, StringComparison.Ordinal) == true);
}
