#!/usr/bin/env bash
# Ingestion throughput: the simulator publishes a scaled fleet as fast as the pipeline acknowledges (--speed 0),
# and we time until every expected point is in InfluxDB. Real processes on loopback, nothing shared with the tests.
#   bench/ingest-throughput.sh                   all-in-one (embedded broker, PUBACK after durable write)
#   MODE=mosquitto bench/ingest-throughput.sh    worker subscribing to Mosquitto
#   STATIONS=500 HOURS=6 CONCURRENCY=64 bench/ingest-throughput.sh   (CONCURRENCY=1: one message in flight at a time)
#   ALERTING=1 SCENARIO=rainstorm-23-7 HOURS=72 bench/ingest-throughput.sh   also the alerting worker (all 13 shipped
#       rules), timed until it has evaluated every reading, then `gardencity rules backtest` over the stored period
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mode=${MODE:-all-in-one}
stations=${STATIONS:-340}
hours=${HOURS:-6}
concurrency=${CONCURRENCY:-32}
alerting=${ALERTING:-0}
scenario=${SCENARIO:-normal}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
influx_port=$(free_port); rpc_port=$(free_port); mqtt_port=$(free_port); health_port=$(free_port)

dotnet build GardenCity.Monitoring.sln -c Release --nologo -v q > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
. "$root/deploy/lib/influxd.sh"
start_influxd "$work/influxdb" "$influx_port" "$rpc_port" "$work/influxd.log"
pids+=("$INFLUXD_PID")

sim=(dotnet device-simulator/bin/Release/net10.0/gardencity-sim.dll)
"${sim[@]}" --stations "$stations" --write-registry "$work/stations.yaml" > /dev/null
settings=(--set "GardenCity:RegistryPath=$work/stations.yaml" --set "GardenCity:Influx:Url=http://127.0.0.1:${influx_port}"
  --set "GardenCity:DeadLetter:Directory=$work/dead-letter" --set "GardenCity:Spool:Directory=$work/spool"
  --set "GardenCity:Health:Url=http://127.0.0.1:${health_port}" --set "Logging:LogLevel:Default=Warning")
if [ "$alerting" = 1 ]; then
  settings+=(--roles ingest,alerting --set "GardenCity:Alerting:StateDirectory=$work/alerting" --set "GardenCity:Alerting:AbsenceClock=Watermark")
fi
if [ "$mode" = mosquitto ]; then
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\npersistence false\n%s\n' "$mqtt_port" "$([ "$(id -u)" -eq 0 ] && echo 'user root')" > "$work/mosquitto.conf"
  mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 & pids+=($!)
  sleep 0.5
  settings+=(--set "GardenCity:Mqtt:Host=127.0.0.1" --set "GardenCity:Mqtt:Port=${mqtt_port}")
else
  settings+=(--set "GardenCity:Broker:Port=${mqtt_port}")
fi
dotnet src/GardenCity.Monitoring.Host/bin/Release/net10.0/gardencity.dll run "${settings[@]}" > "$work/gardencity.log" 2>&1 & pids+=($!)
until curl -fs "http://127.0.0.1:${health_port}/readyz" 2>/dev/null | grep -q Healthy; do sleep 0.2; done

start=$(date +%s.%N)
"${sim[@]}" --registry "$work/stations.yaml" --stations "$stations" --scenario "$scenario" --duration "$(printf '%d.%02d:00:00' $((hours / 24)) $((hours % 24)))" \
  --speed 0 --concurrency "$concurrency" --port "$mqtt_port" --report "$work/report.json" > "$work/sim.log" 2>&1 || { cat "$work/sim.log"; exit 1; }
published=$(date +%s.%N)
expected=$(python3 -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["expected_points"].values()))' "$work/report.json")
count() {
  curl -sG "http://127.0.0.1:${influx_port}/query" --data-urlencode db=gardencity \
    --data-urlencode "q=SELECT count(seq) FROM weather, water_level, fire, fire_event, camera_trap, camera_trap_trigger; SELECT count(online) FROM station_status" |
    python3 -c 'import json,sys; print(sum(s["values"][0][1] for r in json.load(sys.stdin)["results"] for s in r.get("series",[])))'
}
while [ "$(count)" -lt "$expected" ]; do sleep 0.2; done
stored=$(date +%s.%N)
evaluated=$stored; backtest_s=0; readings=0
if [ "$alerting" = 1 ]; then
  samples=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["samples"])' "$work/report.json")
  evaluated_count() { curl -fs "http://127.0.0.1:${health_port}/metrics" | awk '/^gardencity_alerting_readings_total/ {s+=$2} END {print int(s)}'; }
  # The Last Wills are readings too (decoded by the alerting worker, not counted by the simulator as samples).
  while [ "$(evaluated_count)" -lt "$samples" ]; do sleep 0.2; done
  evaluated=$(date +%s.%N)
  from=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["start"])' "$work/report.json")
  to=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"])' "$work/report.json")
  b0=$(date +%s.%N)
  dotnet src/GardenCity.Monitoring.Host/bin/Release/net10.0/gardencity.dll rules backtest --registry "$work/stations.yaml" \
    --from "$from" --to "$to" --influx-url "http://127.0.0.1:${influx_port}" > "$work/backtest.log" 2>&1 || { cat "$work/backtest.log"; exit 1; }
  backtest_s=$(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.1f}')" "$(date +%s.%N)" "$b0")
  echo "backtest: $(tail -1 "$work/backtest.log")"
fi
python3 - "$mode" "$stations" "$hours" "$concurrency" "$work/report.json" "$scenario" "$alerting" "$backtest_s" "$start" "$published" "$stored" "$evaluated" <<'PY'
import json, sys
mode, stations, hours, concurrency, report, scenario, alerting, backtest = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.load(open(sys.argv[5])), sys.argv[6], sys.argv[7] == "1", float(sys.argv[8])
start, published, stored, evaluated = map(float, sys.argv[9:])
points = sum(report["expected_points"].values())
line = (f"mode={mode} scenario={scenario} stations={stations} concurrency={concurrency} simulated_hours={hours} messages={report['messages']} readings={report['samples']} points={points} "
        f"publish_s={published-start:.1f} all_stored_s={stored-start:.1f} messages_per_s={report['messages']/(stored-start):.0f} points_per_s={points/(stored-start):.0f}")
if alerting:
    line += f" alerting_all_evaluated_s={evaluated-start:.1f} alerting_readings_per_s={report['samples']/(evaluated-start):.0f} backtest_s={backtest:.1f} backtest_readings_per_s={report['samples']/backtest:.0f}"
print(line)
PY
