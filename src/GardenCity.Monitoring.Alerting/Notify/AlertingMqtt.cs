using GardenCity.Monitoring.Messaging.Broker;
using GardenCity.Monitoring.Messaging.Client;
using MQTTnet;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>The alerting worker's MQTT client settings: its own account if set, else the ingestion worker's.</summary>
internal static class AlertingMqtt
{
    public static MqttClientOptions ClientOptions(AlertingOptions options, MqttConnectionOptions mqtt, EmbeddedBrokerService? embeddedBroker, string clientId, bool persistent, ushort? receiveMaximum = null) =>
        MqttSubscription.ClientOptions(mqtt, embeddedBroker, clientId, persistent,
            options.Username.Length > 0 ? options.Username : mqtt.Username, options.Username.Length > 0 ? options.Password : mqtt.Password, receiveMaximum);
}
