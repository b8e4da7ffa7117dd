#!/usr/bin/env bash
# Registry scale: start-up time and memory of `gardencity run` with 1k, 10k and 100k stations in the registry.
# Real processes on loopback (influxd 1.x, Mosquitto), nothing shared with the tests; everything is removed at the end.
#   bench/registry-scale.sh                          every size × every case, one round
#   SIZES="1000 100000" ROUNDS=3 bench/registry-scale.sh
#   CASES="ingest all-in-one" NO_BUILD=1 bench/registry-scale.sh
# Cases: ingest            --roles ingest, subscribing to Mosquitto
#        ingest-alerting   --roles ingest,alerting, subscribing to Mosquitto (all shipped rules, absence on the watermark)
#        all-in-one        --roles broker,ingest,alerting: the embedded broker with per-station authentication from the registry
# Figures per run:
#   ready_s      from launching `dotnet gardencity.dll run` to the first /readyz answer "Healthy" (polled every 50 ms;
#                includes the .NET start, the registry load and validation, and connecting to the broker and influxd)
#   rss_ready    VmRSS of the process right after ready, MB
#   rss_load     VmRSS after a short load: LOAD_STATIONS (default 1000) stations of the registry publish LOAD_HOURS
#                (default 1) simulated hours of the normal scenario as fast as acknowledged, and all of it is stored
#   hwm          VmHWM (peak RSS) of the process at the end, MB
# Medians over ROUNDS are printed when ROUNDS > 1.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
sizes=${SIZES:-1000 10000 100000}
cases=${CASES:-ingest ingest-alerting all-in-one}
rounds=${ROUNDS:-1}
load_stations=${LOAD_STATIONS:-1000}
load_hours=${LOAD_HOURS:-1}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
rss_mb() { awk -v k="$2:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

if [ "${NO_BUILD:-0}" != 1 ]; then
  dotnet build GardenCity.Monitoring.sln -c Release --nologo -v q > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
fi
gc=(dotnet src/GardenCity.Monitoring.Host/bin/Release/net10.0/gardencity.dll)
sim=(dotnet device-simulator/bin/Release/net10.0/gardencity-sim.dll)

. "$root/deploy/lib/influxd.sh"
influx_port=$(free_port); rpc_port=$(free_port); mqtt_port=$(free_port)
start_influxd "$work/influxdb" "$influx_port" "$rpc_port" "$work/influxd.log"
pids+=("$INFLUXD_PID")
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\npersistence false\n%s\n' "$mqtt_port" "$([ "$(id -u)" -eq 0 ] && echo 'user root')" > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 & pids+=($!)
sleep 0.5

count() {
  curl -sG "http://127.0.0.1:${influx_port}/query" --data-urlencode db=gardencity \
    --data-urlencode "q=SELECT count(seq) FROM weather, water_level, fire, fire_event, camera_trap, camera_trap_trigger; SELECT count(online) FROM station_status" |
    python3 -c 'import json,sys; print(sum(s["values"][0][1] for r in json.load(sys.stdin)["results"] for s in r.get("series",[])))'
}

results="$work/results.tsv"
: > "$results"
for n in $sizes; do
  "${sim[@]}" --stations "$n" --write-registry "$work/stations-$n.yaml" > /dev/null
  size_mb=$(du -m "$work/stations-$n.yaml" | cut -f1)
  for c in $cases; do
    for r in $(seq 1 "$rounds"); do
      run="$work/run-$n-$c-$r"; mkdir -p "$run"
      health_port=$(free_port)
      curl -s -XPOST "http://127.0.0.1:${influx_port}/query" --data-urlencode "q=DROP DATABASE gardencity" > /dev/null
      settings=(--set "GardenCity:RegistryPath=$work/stations-$n.yaml" --set "GardenCity:Influx:Url=http://127.0.0.1:${influx_port}"
        --set "GardenCity:DeadLetter:Directory=$run/dead-letter" --set "GardenCity:Spool:Directory=$run/spool"
        --set "GardenCity:Alerting:StateDirectory=$run/alerting" --set "GardenCity:Alerting:AbsenceClock=Watermark"
        --set "GardenCity:Health:Url=http://127.0.0.1:${health_port}" --set "Logging:LogLevel:Default=Warning")
      case $c in
        ingest) settings+=(--roles ingest --set "GardenCity:Mqtt:Host=127.0.0.1" --set "GardenCity:Mqtt:Port=${mqtt_port}"); port=$mqtt_port ;;
        ingest-alerting) settings+=(--roles ingest,alerting --set "GardenCity:Mqtt:Host=127.0.0.1" --set "GardenCity:Mqtt:Port=${mqtt_port}"); port=$mqtt_port ;;
        all-in-one) port=$(free_port); settings+=(--roles broker,ingest,alerting --set "GardenCity:Broker:Port=${port}") ;;
        *) echo "unknown case $c" >&2; exit 2 ;;
      esac
      t0=$(date +%s.%N)
      "${gc[@]}" run "${settings[@]}" > "$run/gardencity.log" 2>&1 & pid=$!; pids+=("$pid")
      until curl -fs "http://127.0.0.1:${health_port}/readyz" 2>/dev/null | grep -q Healthy; do
        kill -0 "$pid" 2>/dev/null || { echo "gardencity exited; log:" >&2; cat "$run/gardencity.log" >&2; exit 1; }
        sleep 0.05
      done
      t1=$(date +%s.%N)
      sleep 2 # let the start-up garbage settle before reading RSS
      rss_ready=$(rss_mb "$pid" VmRSS)
      "${sim[@]}" --registry "$work/stations-$n.yaml" --stations "$load_stations" --duration "$(printf '0.%02d:00:00' "$load_hours")" \
        --speed 0 --port "$port" --report "$run/report.json" > "$run/sim.log" 2>&1 || { cat "$run/sim.log"; exit 1; }
      expected=$(python3 -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["expected_points"].values()))' "$run/report.json")
      until [ "$(count)" -ge "$expected" ]; do sleep 0.2; done
      rss_load=$(rss_mb "$pid" VmRSS); hwm=$(rss_mb "$pid" VmHWM)
      kill "$pid"; wait "$pid" 2>/dev/null || true
      ready_s=$(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.2f}')" "$t1" "$t0")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$size_mb" "$c" "$r" "$ready_s" "$rss_ready" "$rss_load" "$hwm" >> "$results"
      printf 'stations=%s case=%s round=%s ready_s=%s rss_ready_mb=%s rss_after_load_mb=%s hwm_mb=%s\n' "$n" "$c" "$r" "$ready_s" "$rss_ready" "$rss_load" "$hwm" >&2
    done
  done
done

python3 - "$results" "$load_stations" "$load_hours" <<'PY'
import sys, statistics, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
groups = collections.OrderedDict()
for n, size, case, r, ready, rss, rssl, hwm in rows:
    groups.setdefault((int(n), int(size), case), []).append((float(ready), int(rss), int(rssl), int(hwm)))
print(f"| stations | registry MB | case | runs | ready s | RSS at ready MB | RSS after load ({sys.argv[2]} stations, {sys.argv[3]} h) MB | peak RSS MB |")
print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
for (n, size, case), v in groups.items():
    med = [statistics.median(x[i] for x in v) for i in range(4)]
    print(f"| {n:,} | {size} | {case} | {len(v)} | {med[0]:.2f} | {med[1]:.0f} | {med[2]:.0f} | {med[3]:.0f} |")
PY
