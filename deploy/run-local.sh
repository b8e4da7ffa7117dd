#!/usr/bin/env bash
# The main job on one machine: a private InfluxDB 1.x (Debian's influxdb, installed if missing), `gardencity run`
# with the embedded MQTT broker, the ingestion worker, the alerting worker and the query API with its dashboard, and
# the device simulator publishing the Mentougou fleet.
# Everything lives under .local/ in the repository; Ctrl-C stops it all. Every GC_* variable is in README.md
# ("Running the demo"):
#   GC_SCENARIO=rainstorm-23-7 GC_SPEED=600 deploy/run-local.sh    (any simulator scenario and speed)
#   GC_PLAN=1 deploy/run-local.sh                                  (print what would run, change nothing)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
state=$(realpath -m "${GC_STATE_DIR:-$root/.local}")
logs="$state/logs"
influx_port=${GC_INFLUX_PORT:-18086}
influx_rpc_port=${GC_INFLUX_RPC_PORT:-18088}
mqtt_port=${GC_MQTT_PORT:-1883}
health_port=${GC_HEALTH_PORT:-9464}
api_port=${GC_API_PORT:-8080}
scenario=${GC_SCENARIO:-normal}
speed=${GC_SPEED:-30}

# The scenario's period (docs/simulator.md, "Scenarios"): replays start at their event's date; live scenarios end now.
case "$scenario" in
  rainstorm-23-7) mode=replay; start_at=2023-07-29T20:00:00+08:00; default_hours=72 ;;
  forest-fire)    mode=replay; start_at=2024-04-03T00:00:00+08:00; default_hours=24 ;;
  leopard)        mode=replay; start_at=2024-10-01T00:00:00+08:00; default_hours=120 ;;
  normal)         mode=live; default_hours=24 ;;
  outage)         mode=live; default_hours=12 ;;
  bad-inputs)     mode=live; default_hours=2 ;;
  *) echo "GC_SCENARIO '$scenario' is not a scenario; one of: normal, rainstorm-23-7, forest-fire, leopard, outage, bad-inputs." >&2; exit 2 ;;
esac
# GC_DURATION (d.hh:mm:ss or hh:mm:ss) shortens or lengthens the run; by default the whole scenario is replayed.
duration_args=()
seconds=$((default_hours * 3600))
if [ -n "${GC_DURATION:-}" ]; then
  if [[ "$GC_DURATION" =~ ^(([0-9]+)\.)?([0-9]{1,2}):([0-9]{2}):([0-9]{2})$ ]]; then
    seconds=$(( ${BASH_REMATCH[2]:-0} * 86400 + 10#${BASH_REMATCH[3]} * 3600 + 10#${BASH_REMATCH[4]} * 60 + 10#${BASH_REMATCH[5]} ))
    duration_args=(--duration "$GC_DURATION")
  else
    echo "GC_DURATION '$GC_DURATION' is not a duration like 2.00:00:00 (2 days) or 06:00:00 (6 hours)." >&2; exit 2
  fi
fi
now_s=$(date +%s)
# A live scenario is placed so that its clock reaches "now" when the run ends (at GC_SPEED, or at once with speed 0).
if [ "$mode" = replay ]; then start_s=$(date -d "$start_at" +%s); end_s=$((start_s + seconds))
else end_s=$((now_s + (speed > 0 ? seconds / speed : 0))); start_s=$((end_s - seconds)); fi
iso() { TZ=Asia/Shanghai date -d "@$1" +%Y-%m-%dT%H:%M:%S+08:00; }
from_iso=$(iso "$start_s"); to_iso=$(iso "$end_s")
dashboard="http://127.0.0.1:${api_port}/?from=${from_iso//+/%2B}&to=${to_iso//+/%2B}"

# Each scenario has its own alerting state (.local/alerting/SCENARIO): a replay never judges its readings against the
# watermark of a live run or of another scenario. GC_FRESH=1 (the default) starts that state afresh; GC_FRESH=0 keeps it
# (acknowledgements, alerts in force) and warns when it is ahead of the replay, which would make every reading late.
fresh=${GC_FRESH:-1}
alert_state="$state/alerting/$scenario"
warnings=()
if [ "$fresh" != 1 ] && [ -f "$alert_state/state.json" ]; then
  stored=$(grep -o '"Watermark":"[^"]*"' "$alert_state/state.json" | head -n 1 | cut -d'"' -f4 || true)
  if [ -n "$stored" ] && [ "$(date -d "$stored" +%s)" -gt $((start_s + 3600)) ]; then
    warnings+=("Warning: the stored alerting state of '$scenario' ($alert_state) has its watermark at $(iso "$(date -d "$stored" +%s)"), after this replay starts ($from_iso): readings more than an hour behind it are late and raise no alert. Run with GC_FRESH=1 (the default) to start afresh.")
  fi
fi

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for pair in "GC_INFLUX_PORT=$influx_port" "GC_INFLUX_RPC_PORT=$influx_rpc_port" "GC_HEALTH_PORT=$health_port" "GC_API_PORT=$api_port" "GC_MQTT_PORT=$mqtt_port"; do
  name=${pair%%=*} port=${pair#*=}
  if port_busy "$port"; then
    what=""; [ "$name" = GC_MQTT_PORT ] && what=" (another MQTT broker?)"
    echo "Port $port ($name) is in use$what; set $name to a free port, e.g. $name=$((port + 10000 > 65535 ? port - 1000 : port + 10000)) deploy/run-local.sh" >&2
    exit 1
  fi
done

for w in "${warnings[@]}"; do echo "$w" >&2; done
if [ "${GC_PLAN:-0}" = 1 ]; then
  cat <<PLAN
scenario: $scenario ($mode), speed ${speed}x, period $from_iso .. $to_iso ($((seconds / 3600)) h), about $(( speed > 0 ? seconds / speed / 60 : 0 )) min
alerting state: $alert_state ($([ "$fresh" = 1 ] && echo "fresh" || echo "kept"))
clock policy: Watermark (replay: lateness, absence and online state judged against the data's own time)
ports: InfluxDB $influx_port (RPC $influx_rpc_port), MQTT $mqtt_port, health $health_port, API $api_port
dashboard: $dashboard
PLAN
  exit 0
fi
mkdir -p "$logs" "$state/influxdb"

if ! command -v influxd >/dev/null 2>&1; then
  echo "Installing Debian's influxdb package..."
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends influxdb >/dev/null
fi

# The first build restores the NuGet packages and compiles the solution: about a minute on two cores (later builds,
# with nothing changed, a few seconds). Progress every 10 s; the full output is in .local/logs/build.log.
# GC_BUILD=0 skips it and runs what is built (tests, scripts that just built the solution).
if [ "${GC_BUILD:-1}" = 0 ]; then
  for dll in src/GardenCity.Monitoring.Host/bin/Release/net10.0/gardencity.dll device-simulator/bin/Release/net10.0/gardencity-sim.dll; do
    [ -f "$dll" ] || { echo "GC_BUILD=0 but $dll is not built; build first (dotnet build GardenCity.Monitoring.sln -c Release) or leave GC_BUILD unset." >&2; exit 2; }
  done
else
first=""; [ -f src/GardenCity.Monitoring.Host/bin/Release/net10.0/gardencity.dll ] || first=" (first build: restoring NuGet packages and compiling, about 1 minute on 2 cores)"
echo "Building GardenCity.Monitoring with dotnet build -c Release${first}; log: .local/logs/build.log"
build_started=$(date +%s)
dotnet build GardenCity.Monitoring.sln -c Release --nologo -v q > "$logs/build.log" 2>&1 &
build_pid=$!
while kill -0 "$build_pid" 2>/dev/null; do
  sleep 1
  elapsed=$(( $(date +%s) - build_started ))
  if [ $((elapsed % 10)) -eq 0 ]; then echo "  still building... ${elapsed} s"; fi
done
wait "$build_pid" || { cat "$logs/build.log"; echo "The build failed (output above, also in .local/logs/build.log)." >&2; exit 1; }
echo "Built in $(( $(date +%s) - build_started )) s."
fi
if [ "$fresh" = 1 ]; then rm -rf "$alert_state"; fi
mkdir -p "$alert_state"

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo; echo "Stopping..."
  # One at a time, the last started first, each waited for: gardencity writes its last batch while InfluxDB still runs.
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
  echo "Stopped. Data stays in .local/ (delete it to start afresh)."
}
trap cleanup EXIT INT TERM

# shellcheck source=deploy/lib/influxd.sh
. "$root/deploy/lib/influxd.sh"
start_influxd "$state/influxdb" "$influx_port" "$influx_rpc_port" "$logs/influxd.log"
pids+=("$INFLUXD_PID")

# The simulator replays time faster than the clock, so lateness, absence ("silent for 30 min") and the API's online
# state are judged against the fleet's latest measurement time (the watermark), as in any replay (docs/alerting.md,
# "Clock policy"); a live deployment keeps the default, the wall clock. A fresh state is not primed from InfluxDB:
# the data stored by another scenario's run is not this replay's past.
# The API answers anonymous readers here (loopback only); a deployment gives out keys (gardencity api new-key).
# Raw retention of 100 years: the replayed scenarios are from 2023 and 2024, and a 90-day raw policy (the default,
# docs/retention.md) would refuse their points.
dotnet src/GardenCity.Monitoring.Host/bin/Release/net10.0/gardencity.dll run --roles ingest,alerting,api \
  --set "GardenCity:Api:Url=http://127.0.0.1:${api_port}" \
  --set "GardenCity:Api:AnonymousRole=Reader" \
  --set "GardenCity:Broker:Port=${mqtt_port}" \
  --set "GardenCity:Alerting:StateDirectory=${alert_state}" \
  --set "GardenCity:Alerting:PrimeFromInflux=$([ "$fresh" = 1 ] && echo false || echo true)" \
  --set "GardenCity:Alerting:AbsenceClock=Watermark" \
  --set "GardenCity:Influx:Url=http://127.0.0.1:${influx_port}" \
  --set "GardenCity:Retention:RawDuration=36500.00:00:00" \
  --set "GardenCity:DeadLetter:Directory=${state}/dead-letter" \
  --set "GardenCity:Spool:Directory=${state}/spool" \
  --set "GardenCity:StartupProfileDirectory=${state}/startup-profile" \
  --set "GardenCity:Health:Url=http://127.0.0.1:${health_port}" > "$logs/gardencity.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  if curl -fs "http://127.0.0.1:${health_port}/readyz" 2>/dev/null | grep -q Healthy; then break; fi
  if ! kill -0 "${pids[-1]}" 2>/dev/null; then cat "$logs/gardencity.log" >&2; exit 1; fi
  sleep 0.2
done

rm -f "$state/simulator-report.json"
dotnet device-simulator/bin/Release/net10.0/gardencity-sim.dll --scenario "$scenario" --speed "$speed" "${duration_args[@]}" \
  --port "$mqtt_port" --report "$state/simulator-report.json" > "$logs/simulator.log" 2>&1 &
pids+=($!)
sim_pid=$!

cat <<MSG

GardenCity.Monitoring is running: the simulated fleet ($scenario, ${speed}x) → embedded MQTT broker → ingestion → InfluxDB,
the rule engine (deploy/rules/*.yaml) raising alerts, and the query API with its dashboard.
The replay covers $from_iso .. $to_iso ($((seconds / 3600)) h of data, about $(( speed > 0 ? seconds / speed / 60 : 0 )) min at ${speed}x).
Where to look: the dashboard, on the replayed period:
    $dashboard
  (alerts live, station map and watershed schematic, water level, rain, species)
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
for w in "${warnings[@]}"; do echo "$w" >&2; done
if [ "${GC_OPEN:-0}" = 1 ] && command -v xdg-open >/dev/null 2>&1; then xdg-open "$dashboard" >/dev/null 2>&1 || true; fi
stored() {
  curl -sG "http://127.0.0.1:${influx_port}/query" --data-urlencode db=gardencity \
    --data-urlencode "q=SELECT count(seq) FROM weather, water_level, fire, camera_trap_trigger" | grep -o '"name":"[a-z_]*"\|,[0-9]*\]' | tr -d '"],' | sed 's/name://' | paste -sd' ' - || true
}
progress() {
  local active
  active=$(curl -fs "http://127.0.0.1:${api_port}/api/v1/alerts/active" | grep -o '"rule_id"' | wc -l || true)
  echo "$(date +%T) stored: $(stored | sed 's/^$/nothing yet/'); alerts in force: ${active:-0}"
}

# GC_EXIT_WHEN_DONE=1: unattended. When the simulator has published the whole period, wait until ingestion has stored
# it (the stored counts stay the same for 3 s, at most 2 min), print the progress line, then stop everything (exit code:
# the simulator's). The data and the scenario's alerting state stay in GC_STATE_DIR for the next run.
if [ "${GC_EXIT_WHEN_DONE:-0}" = 1 ]; then
  sim_rc=0
  wait "$sim_pid" || sim_rc=$?
  last="" same=0
  for _ in $(seq 1 120); do
    now_counts=$(stored)
    if [ -n "$now_counts" ] && [ "$now_counts" = "$last" ]; then same=$((same + 1)); [ "$same" -ge 3 ] && break; else same=0; fi
    last=$now_counts
    sleep 1
  done
  progress
  echo "The simulator has finished (exit code $sim_rc; report: $state/simulator-report.json); stopping (GC_EXIT_WHEN_DONE=1)."
  exit "$sim_rc"
fi
while kill -0 "${pids[1]}" 2>/dev/null; do
  sleep 30
  progress
done
