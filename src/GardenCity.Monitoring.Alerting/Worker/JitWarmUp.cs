using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace GardenCity.Monitoring.Alerting.Worker;

internal static class JitWarmUp
{
    public static (int Prepared, int Failed, TimeSpan Took) Prepare(IEnumerable<Assembly> assemblies, Func<Type, bool> include)
    {
        var sw = Stopwatch.StartNew();
        int ok = 0, failed = 0;
        foreach (Assembly assembly in assemblies)
        {
            Type[] types;
            try { types = assembly.GetTypes(); } catch (ReflectionTypeLoadException ex) { types = [.. ex.Types.OfType<Type>()]; }
            foreach (Type type in types)
            {
                if (type.ContainsGenericParameters || !include(type)) continue;
                foreach (MethodInfo m in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    if (m.IsAbstract || m.ContainsGenericParameters || (m.MethodImplementationFlags & MethodImplAttributes.InternalCall) != 0 || m.GetMethodBody() is null) continue;
                    try { RuntimeHelpers.PrepareMethod(m.MethodHandle); ok++; } catch (Exception) { failed++; }
                }
            }
        }
        return (ok, failed, sw.Elapsed);
    }
}
