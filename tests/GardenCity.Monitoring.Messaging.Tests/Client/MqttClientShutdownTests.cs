using System.Reflection;
using GardenCity.Monitoring.Messaging.Client;
using MQTTnet;
using MQTTnet.Exceptions;

namespace GardenCity.Monitoring.Messaging.Tests.Client;

/// <summary>
/// Closing a connection never fails a shutdown. Regression: with the embedded broker stopped first in the same
/// shutdown, the alert publisher's DISCONNECT hit a broken pipe, the exception left the host's disposal, and
/// `gardencity run` exited with 1 on SIGTERM (seen in DutyEscalationEndToEndTests).
/// </summary>
public sealed class MqttClientShutdownTests
{
    [Fact]
    public async Task DisconnectIfConnected_ConnectionAlreadyBroken_DoesNotThrow()
    {
        var (client, calls) = ClientProxy.Create(connected: true, disconnect: () => throw new MqttCommunicationException("Broken pipe"));

        await client.DisconnectIfConnectedAsync();

        Assert.Equal(["get_IsConnected", "DisconnectAsync"], calls);
    }

    [Fact]
    public async Task DisconnectIfConnected_NotConnected_SendsNothing()
    {
        var (client, calls) = ClientProxy.Create(connected: false, disconnect: () => throw new InvalidOperationException("must not be called"));

        await client.DisconnectIfConnectedAsync();

        Assert.Equal(["get_IsConnected"], calls);
    }

    [Fact]
    public async Task DisconnectIfConnected_OtherFailure_IsNotHidden()
    {
        var (client, _) = ClientProxy.Create(connected: true, disconnect: () => throw new InvalidOperationException("a bug"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.DisconnectIfConnectedAsync());
    }

    /// <summary>An <see cref="IMqttClient"/> that answers IsConnected and DisconnectAsync only, and records the calls.</summary>
    public class ClientProxy : DispatchProxy
    {
        private bool _connected;
        private Action _disconnect = () => { };
        private readonly List<string> _calls = [];

        public static (IMqttClient Client, List<string> Calls) Create(bool connected, Action disconnect)
        {
            IMqttClient client = Create<IMqttClient, ClientProxy>();
            var proxy = (ClientProxy)(object)client;
            (proxy._connected, proxy._disconnect) = (connected, disconnect);
            return (client, proxy._calls);
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            _calls.Add(targetMethod.Name);
            switch (targetMethod.Name)
            {
                case "get_IsConnected":
                    return _connected;
                case "DisconnectAsync":
                    try
                    {
                        _disconnect();
                        return Task.CompletedTask;
                    }
                    catch (Exception ex)
                    {
                        return Task.FromException(ex);
                    }

                default:
                    throw new NotSupportedException(targetMethod.Name);
            }
        }
    }
}
