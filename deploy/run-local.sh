#!/usr/bin/env bash
# The main job on one machine: a private InfluxDB 1.x (Debian's influxdb, installed if missing), `gardencity run`
# with the embedded MQTT broker, the ingestion worker, the alerting worker and the query API with its dashboard, and
# the device simulator publishing the Mentougou fleet.
# Everything lives under .local/ in the repository; Ctrl-C stops it all.
#   GC_SCENARIO=rainstorm-23-7 GC_SPEED=600 deploy/run-local.sh    (any simulator scenario and speed)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
state="$root/.local"
logs="$state/logs"
influx_port=${GC_INFLUX_PORT:-18086}
influx_rpc_port=${GC_INFLUX_RPC_PORT:-18088}
mqtt_port=${GC_MQTT_PORT:-1883}
health_port=${GC_HEALTH_PORT:-9464}
api_port=${GC_API_PORT:-8080}
scenario=${GC_SCENARIO:-normal}
speed=${GC_SPEED:-30}
duration=${GC_DURATION:-2.00:00:00}
mkdir -p "$logs" "$state/influxdb"

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! command -v influxd >/dev/null 2>&1; then
  echo "Installing Debian's influxdb package..."
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends influxdb >/dev/null
fi
for port in "$influx_port" "$influx_rpc_port" "$health_port" "$api_port"; do
  if port_busy "$port"; then echo "Port $port is in use; set GC_INFLUX_PORT / GC_INFLUX_RPC_PORT / GC_HEALTH_PORT / GC_API_PORT to free ports." >&2; exit 1; fi
done
if port_busy "$mqtt_port"; then
  echo "Port $mqtt_port is in use (another MQTT broker?); set GC_MQTT_PORT to a free port, e.g. GC_MQTT_PORT=11883." >&2
  exit 1
fi

echo "Building (dotnet build -c Release)..."
dotnet build GardenCity.Monitoring.sln -c Release --nologo -v q > "$logs/build.log" 2>&1 || { cat "$logs/build.log"; exit 1; }

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo; echo "Stopping..."
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped. Data stays in .local/ (delete it to start afresh)."
}
trap cleanup EXIT INT TERM

# shellcheck source=deploy/lib/influxd.sh
. "$root/deploy/lib/influxd.sh"
start_influxd "$state/influxdb" "$influx_port" "$influx_rpc_port" "$logs/influxd.log"
pids+=("$INFLUXD_PID")

# The simulator replays time faster than the clock, so absence ("silent for 30 min") is judged against the fleet's
# latest measurement time (the watermark), as in any replay; a live deployment keeps the default, the wall clock.
# The API answers anonymous readers here (loopback only); a deployment gives out keys (gardencity api new-key).
dotnet src/GardenCity.Monitoring.Host/bin/Release/net10.0/gardencity.dll run --roles ingest,alerting,api \
  --set "GardenCity:Api:Url=http://127.0.0.1:${api_port}" \
  --set "GardenCity:Api:AnonymousRole=Reader" \
  --set "GardenCity:Broker:Port=${mqtt_port}" \
  --set "GardenCity:Alerting:StateDirectory=${state}/alerting" \
  --set "GardenCity:Alerting:AbsenceClock=Watermark" \
  --set "GardenCity:Influx:Url=http://127.0.0.1:${influx_port}" \
  --set "GardenCity:DeadLetter:Directory=${state}/dead-letter" \
  --set "GardenCity:Spool:Directory=${state}/spool" \
  --set "GardenCity:Health:Url=http://127.0.0.1:${health_port}" > "$logs/gardencity.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  if curl -fs "http://127.0.0.1:${health_port}/readyz" 2>/dev/null | grep -q Healthy; then break; fi
  if ! kill -0 "${pids[-1]}" 2>/dev/null; then cat "$logs/gardencity.log" >&2; exit 1; fi
  sleep 0.2
done

dotnet device-simulator/bin/Release/net10.0/gardencity-sim.dll --scenario "$scenario" --speed "$speed" --duration "$duration" \
  --port "$mqtt_port" --report "$state/simulator-report.json" > "$logs/simulator.log" 2>&1 &
pids+=($!)

cat <<MSG

GardenCity.Monitoring is running: the simulated fleet ($scenario, ${speed}x) → embedded MQTT broker → ingestion → InfluxDB,
the rule engine (deploy/rules/*.yaml) raising alerts, and the query API with its dashboard.
Where to look: the dashboard   http://127.0.0.1:${api_port}/   (alerts live, station map, water level, rain, species)
  MQTT broker (embedded)  127.0.0.1:${mqtt_port}   topics gc/v1/#   (watch: mosquitto_sub -p ${mqtt_port} -t 'gc/v1/#' -v)
  InfluxDB 1.x            http://127.0.0.1:${influx_port}   database gardencity
  Health and metrics      http://127.0.0.1:${health_port}/readyz   /healthz   /metrics (Prometheus)
  Query API               http://127.0.0.1:${api_port}/api/v1/stations   OpenAPI: /api/openapi/v1.json
  Alerts                  http://127.0.0.1:${api_port}/api/v1/alerts/active (in force)   /api/v1/alerts/cap.atom (CAP 1.2 feed)
                          MQTT gc/v1/alerts/{audience}/{rule}/{station} (retained while active)
  Logs                    .local/logs/gardencity.log, simulator.log, influxd.log;  dead letters: .local/dead-letter/
The latest water level of every gauge, straight from InfluxDB:
  curl -sG http://127.0.0.1:${influx_port}/query --data-urlencode db=gardencity --data-urlencode "q=SELECT last(water_level_m) FROM water_level GROUP BY station"
For alerts, replay the July 2023 storm: GC_SCENARIO=rainstorm-23-7 GC_SPEED=600 deploy/run-local.sh
Stop: Ctrl-C (stops the simulator, gardencity and influxd).

MSG
while kill -0 "${pids[1]}" 2>/dev/null; do
  sleep 30
  counts=$(curl -sG "http://127.0.0.1:${influx_port}/query" --data-urlencode db=gardencity \
    --data-urlencode "q=SELECT count(seq) FROM weather, water_level, fire, camera_trap_trigger" | grep -o '"name":"[a-z_]*"\|,[0-9]*\]' | tr -d '"],' | sed 's/name://' | paste -sd' ' - || true)
  active=$(curl -fs "http://127.0.0.1:${api_port}/api/v1/alerts/active" | grep -o '"rule_id"' | wc -l || true)
  echo "$(date +%T) stored: ${counts:-nothing yet}; alerts in force: ${active:-0}"
done
