#!/usr/bin/env bash
# End-to-end load harness (issue 17): real Mosquitto, influxd and `gardencity run`, loaded by gardencity-load
# (bench/GardenCity.Monitoring.LoadGen: MQTTnet, one connection per station, QoS 1), with the machine's own limits
# measured in the same run. One command, a few minutes with the defaults; bench/README.md ("End-to-end load") explains
# every case and figure. Everything runs on 127.0.0.1 on free ports, in a temporary folder, and is stopped on exit.
#
#   bench/load.sh                                  every case
#   CASES="flood-mosquitto sustained" bench/load.sh   (or: bench/load.sh flood-mosquitto sustained)
#
# Cases: limits            Mosquitto alone to a plain QoS 1 subscriber; influxd alone, 1 and 2 writers of 5k-line batches
#        flood-mosquitto   the worker subscribing to Mosquitto, QoS 1 flood
#        flood-embedded    all-in-one (embedded broker, PUBACK after the durable write), QoS 1 flood
#        sustained         paced at SUSTAIN_FRACTION of the flood-mosquitto rate for SUSTAIN_SECONDS; RSS sampled
#        alerting          --roles ingest,alerting, all shipped rules, paced at ALERT_RATE: publish → alert, and a
#                          probe flushing a line in the worker's state folder every 50 ms (the disk's own flush times)
#        backlog           worker stopped, BACKLOG_READINGS queued at Mosquitto (backdated past the lateness
#                          horizon), worker started: drain rate, and live alerts must be 0
# Settings (environment): STATIONS (200) WINDOW (16, per connection) FLOOD_READINGS (100000, all stations)
#   SUSTAIN_SECONDS (60; 600 for the issue's 10 minutes) SUSTAIN_FRACTION (0.7) SUSTAIN_RATE (default: fraction × flood)
#   ALERT_RATE (5000) ALERT_SECONDS (30) ALERT_STATIONS (50) ALERT_WAIT_SECONDS (60: how long after the last reading
#   is stored the alerts still missing are waited for; a missing one is reported, never left out silently) BACKLOG_READINGS (200000; 1000000 available)
#   BACKLOG_OFFSET_SECONDS (7200: behind the 1 h lateness horizon) BACKLOG_INTERVAL_SECONDS (60: each station's
#   readings measured a minute apart, as buffered while its link was down; ending BACKLOG_OFFSET_SECONDS before the run) INFLUX_POINTS (1000000) INFLUX_BATCH (5000)
#   POLL_MS (100) BUILD (1; 0 = use the Release build as it is) RESULTS_DIR MAX_SECONDS (1500: watchdog)
#   GC_DLL, LOAD_DLL (the gardencity.dll and gardencity-load.dll to run; default the Release builds', e.g. a
#   `dotnet publish` output or another commit's build for an A/B) WORKER_ENV (VAR=value pairs, space-separated, in the
#   worker's environment: profiling, runtime settings A/B)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cases=${CASES:-"limits flood-mosquitto flood-embedded sustained alerting backlog"}
[ $# -gt 0 ] && cases="$*"
for c in $cases; do
  case "$c" in limits | flood-mosquitto | flood-embedded | sustained | alerting | backlog) ;;
    *) echo "load.sh: unknown case '$c'; the cases are: limits flood-mosquitto flood-embedded sustained alerting backlog" >&2; exit 2 ;;
  esac
done
num() { [[ "$2" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "load.sh: $1='$2' must be a number" >&2; exit 2; }; }
STATIONS=${STATIONS:-200}; WINDOW=${WINDOW:-16}; FLOOD_READINGS=${FLOOD_READINGS:-100000}
SUSTAIN_SECONDS=${SUSTAIN_SECONDS:-60}; SUSTAIN_FRACTION=${SUSTAIN_FRACTION:-0.7}; SUSTAIN_RATE=${SUSTAIN_RATE:-}
ALERT_RATE=${ALERT_RATE:-5000}; ALERT_SECONDS=${ALERT_SECONDS:-30}; ALERT_STATIONS=${ALERT_STATIONS:-50}; ALERT_WAIT_SECONDS=${ALERT_WAIT_SECONDS:-60}
BACKLOG_READINGS=${BACKLOG_READINGS:-200000}; BACKLOG_OFFSET_SECONDS=${BACKLOG_OFFSET_SECONDS:-7200}; BACKLOG_INTERVAL_SECONDS=${BACKLOG_INTERVAL_SECONDS:-60}
INFLUX_POINTS=${INFLUX_POINTS:-1000000}; INFLUX_BATCH=${INFLUX_BATCH:-5000}; POLL_MS=${POLL_MS:-100}
BUILD=${BUILD:-1}; MAX_SECONDS=${MAX_SECONDS:-1500}
for v in STATIONS WINDOW FLOOD_READINGS SUSTAIN_SECONDS SUSTAIN_FRACTION ALERT_RATE ALERT_SECONDS ALERT_STATIONS ALERT_WAIT_SECONDS BACKLOG_READINGS \
  BACKLOG_OFFSET_SECONDS INFLUX_POINTS INFLUX_BATCH POLL_MS MAX_SECONDS; do num "$v" "${!v}"; done
[ -z "$SUSTAIN_RATE" ] || num SUSTAIN_RATE "$SUSTAIN_RATE"
results=${RESULTS_DIR:-${TMPDIR:-/tmp}/gardencity-load-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$results"
work=$(mktemp -d)
pids=()
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
stop_pid() { # SIGTERM one of our processes, SIGKILL after 15 s
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
}
cleanup() { set +e; local p; for p in "${pids[@]}"; do stop_pid "$p"; done; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
( sleep "$MAX_SECONDS" & s=$!; trap 'kill $s 2>/dev/null; exit 0' TERM; wait $s; echo "load.sh: MAX_SECONDS=$MAX_SECONDS reached, aborting" >&2; kill -TERM $$ ) &
pids+=($!)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now_ms() { date +%s%3N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; } # user + system of a process
peak_rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

if [ "$BUILD" = 1 ]; then
  log "building (Release)"
  dotnet build GardenCity.Monitoring.sln -c Release --nologo -v q > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
fi
gc_dll=${GC_DLL:-src/GardenCity.Monitoring.Host/bin/Release/net10.0/gardencity.dll}
load_dll=${LOAD_DLL:-bench/GardenCity.Monitoring.LoadGen/bin/Release/net10.0/gardencity-load.dll}
[ -f "$gc_dll" ] && [ -f "$load_dll" ] || { echo "load.sh: $gc_dll or $load_dll missing: build with BUILD=1" >&2; exit 2; }

. deploy/lib/influxd.sh
influx_port=$(free_port); rpc_port=$(free_port)
start_influxd "$work/influxdb" "$influx_port" "$rpc_port" "$work/influxd.log"
influxd_pid=$INFLUXD_PID; pids+=("$influxd_pid")
influx_url="http://127.0.0.1:$influx_port"
dotnet "$load_dll" registry --stations "$STATIONS" --out "$work/stations.yaml" --password gc-load > /dev/null
commit=$(git log -1 --format=%h 2>/dev/null || echo unknown)
log "results -> $results; commit $commit; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

mosq_pid=""; mqtt_port=""
start_mosquitto() {
  mqtt_port=$(free_port)
  mkdir -p "$work/mosquitto"
  # max_queued_messages 0: no limit, so the broker never drops and every loss is the worker's (and a backlog fits).
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n%s\n' \
    "$mqtt_port" "$([ "$(id -u)" -eq 0 ] && echo 'user root')" > "$work/mosquitto/mosquitto.conf"
  mosquitto -c "$work/mosquitto/mosquitto.conf" > "$work/mosquitto/mosquitto.log" 2>&1 &
  mosq_pid=$!; pids+=("$mosq_pid")
  local i; for i in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$mqtt_port") 2>/dev/null && return 0; sleep 0.1; done
  echo "mosquitto did not start: $(cat "$work/mosquitto/mosquitto.log")" >&2; exit 1
}
stop_mosquitto() { [ -z "$mosq_pid" ] || stop_pid "$mosq_pid"; mosq_pid=""; }

worker_pid=""; health_port=""
# start_worker CASE ROLES mosquitto|embedded
start_worker() {
  local name=$1 roles=$2 broker=$3 w="$work/$1" i
  mkdir -p "$w"; health_port=$(free_port)
  curl -fsS -XPOST "$influx_url/query" --data-urlencode "q=CREATE DATABASE load_${name//-/_}" > /dev/null
  local s=(--roles "$roles" --set "GardenCity:RegistryPath=$work/stations.yaml" --set "GardenCity:Influx:Url=$influx_url"
    --set "GardenCity:Influx:Database=load_${name//-/_}" --set "GardenCity:DeadLetter:Directory=$w/dead-letter"
    --set "GardenCity:Spool:Directory=$w/spool" --set "GardenCity:Health:Url=http://127.0.0.1:$health_port"
    --set "GardenCity:Alerting:StateDirectory=$w/alerting" --set "GardenCity:Mqtt:ClientId=gc-load-ingest"
    --set "GardenCity:Alerting:ClientId=gc-load-alerting" --set "Logging:LogLevel:Default=Warning")
  if [ "$broker" = embedded ]; then mqtt_port=$(free_port); s+=(--set "GardenCity:Broker:Port=$mqtt_port")
  else s+=(--set "GardenCity:Mqtt:Host=127.0.0.1" --set "GardenCity:Mqtt:Port=$mqtt_port"); fi
  env ${WORKER_ENV:-} dotnet "$gc_dll" run "${s[@]}" >> "$results/$name.gardencity.log" 2>&1 &
  worker_pid=$!; pids+=("$worker_pid")
  for i in $(seq 1 600); do
    # Ready = the first line (the overall status) is Healthy: every role subscribed (the alerting role's check included),
    # not a component's line ("spool: Healthy …") while another is still starting.
    [ "$(curl -fs "http://127.0.0.1:$health_port/readyz" 2>/dev/null | head -1)" = Healthy ] && return 0
    kill -0 "$worker_pid" 2>/dev/null || break; sleep 0.1
  done
  echo "gardencity run ($name) did not get ready: $(tail -20 "$results/$name.gardencity.log")" >&2; exit 1
}
stop_worker() { [ -z "$worker_pid" ] || stop_pid "$worker_pid"; worker_pid=""; }

# load CASE ARGS...: runs gardencity-load, its report in $results/CASE.load.json (a loss exits 1: reported, not fatal)
load() {
  local name=$1; shift
  dotnet "$load_dll" run --case "$name" --host 127.0.0.1 --port "$mqtt_port" --stations "$STATIONS" --window "$WINDOW" \
    --influx-url "$influx_url" --database "load_${name//-/_}" --poll-ms "$POLL_MS" --report "$results/$name.load.json" "$@" \
    > /dev/null 2>> "$results/$name.load.log" || [ $? -eq 1 ] || { cat "$results/$name.load.log" >&2; exit 1; }
}

# measure CASE: the load report plus the worker's CPU and memory (from /proc), one JSON object in $results/CASE.json
cpu0=0; rss_file=""
begin_measure() { cpu0=$(cpu_ticks "$worker_pid"); }
end_measure() {
  local name=$1 cpu1 hwm
  cpu1=$(cpu_ticks "$worker_pid"); hwm=$(peak_rss_kb "$worker_pid")
  python3 - "$results/$name.load.json" "$((cpu1 - cpu0))" "$(getconf CLK_TCK)" "$hwm" "${rss_file:-}" > "$results/$name.json" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1])); ticks, hz, hwm, rss = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
n = r["delivered"]
r["worker_cpu_seconds"] = round(ticks / hz, 2)
r["cpu_us_per_reading"] = round(ticks / hz * 1e6 / n, 1) if n else None
r["peak_rss_mb"] = round(hwm / 1024, 1)
flush = sys.argv[1].replace(".load.json", ".flush.json")
if os.path.exists(flush):  # the disk probe beside the alerting worker: each slow alert with the longest flush over 10 ms during it
    try:
        r["disk_flush"] = json.load(open(flush)); slow = r["disk_flush"]["slow"]
        for a in (r.get("alerts") or {}).get("slowest", []):
            end = a["arrived_at_ms"]; begin = end - a["latency_ms"]
            a["longest_flush_ms"] = max([ms for b, ms in slow if b < end and b + ms > begin], default=None)
    except (ValueError, KeyError) as e:
        r["disk_flush"] = {"error": f"{flush}: {e}"}
if rss:  # RSS sampled once a second: the slope after warm-up (the first 30 % of the samples), least squares
    pts = [tuple(map(float, l.split())) for l in open(rss) if l.strip()]
    r["rss_samples_mb"] = [[round(t, 1), round(k / 1024, 1)] for t, k in pts]
    tail = pts[int(len(pts) * 0.3):]
    if len(tail) >= 3:
        mt = sum(t for t, _ in tail) / len(tail); mk = sum(k for _, k in tail) / len(tail)
        den = sum((t - mt) ** 2 for t, _ in tail)
        r["rss_slope_mb_per_min"] = round(sum((t - mt) * (k - mk) for t, k in tail) / den * 60 / 1024, 2) if den else None
        r["rss_after_warmup_mb"] = [round(min(k for _, k in tail) / 1024, 1), round(max(k for _, k in tail) / 1024, 1)]
print(json.dumps(r))
PY
  rss_file=""
}
sample_rss() { # sample_rss PID FILE: seconds since start and VmRSS (kB), once a second, until stopped
  local pid=$1 file=$2 t0; t0=$(now_ms)
  while kill -0 "$pid" 2>/dev/null; do
    echo "$(( ($(now_ms) - t0) / 1000 )) $(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)" >> "$file"; sleep 1
  done
}
# The disk under the alerting worker (issue 17): every alert change is flushed to the disk (fsync) four times before
# anyone is told (docs/alerting.md, "The disk under the alert path"), so publish → alert can be no faster than the
# disk's flushes. flush_probe DIR FILE appends a 200-byte line to a file in DIR and flushes it every 50 ms until stopped
# (SIGTERM), then writes its flush times to FILE: the machine's own limit for the alert path, in the same run.
flush_probe_pid=""
start_flush_probe() {
  python3 - "$1" "$2" <<'PY' &
import json, os, signal, sys, time
folder, out = sys.argv[1], sys.argv[2]
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
os.makedirs(folder, exist_ok=True)
fd = os.open(os.path.join(folder, "flush-probe.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
line, samples = b'{"probe":"' + b"x" * 186 + b'"}\n', []
while not stop:
    began = time.time(); os.write(fd, line); t = time.perf_counter(); os.fsync(fd); ms = (time.perf_counter() - t) * 1000
    samples.append((began, ms)); time.sleep(max(0.0, 0.05 - ms / 1000))
d = sorted(ms for _, ms in samples); n = len(d)
pick = lambda q: round(d[min(n - 1, int(q * n))], 2) if n else None
json.dump({"count": n, "p50_ms": pick(0.5), "p90_ms": pick(0.9), "p99_ms": pick(0.99), "max_ms": round(d[-1], 2) if n else None,
           "over_50_ms": sum(ms > 50 for ms in d), "slow": [[round(b * 1000), round(ms, 1)] for b, ms in samples if ms > 10]}, open(out, "w"))
PY
  flush_probe_pid=$!; pids+=("$flush_probe_pid")
}
stop_flush_probe() { [ -z "$flush_probe_pid" ] || stop_pid "$flush_probe_pid"; flush_probe_pid=""; }

per_station() { python3 -c 'import math,sys; print(max(1, math.ceil(float(sys.argv[1]) / int(sys.argv[2]))))' "$1" "$STATIONS"; }

flood_rate=""
for c in $cases; do
  log "case $c"
  case "$c" in
    limits)
      start_mosquitto
      load limits-mosquitto --sink mqtt --readings "$(per_station "$FLOOD_READINGS")"
      cp "$results/limits-mosquitto.load.json" "$results/limits-mosquitto.json"
      stop_mosquitto
      python3 - "$influx_url" "$INFLUX_POINTS" "$INFLUX_BATCH" > "$results/limits-influxd.json" <<'PY'
# influxd alone: INFLUX_POINTS points of line protocol in INFLUX_BATCH-line batches over keep-alive HTTP, by 1 and by 2
# writer processes at once; the batches are built before the clock starts. Counted back with InfluxQL: nothing lost.
import http.client, json, multiprocessing, sys, time, urllib.parse
url, points, batch = urllib.parse.urlparse(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def q(sql, db=""):
    c = http.client.HTTPConnection(url.hostname, url.port); c.request("POST", "/query?" + urllib.parse.urlencode({"q": sql, "db": db}))
    return json.loads(c.getresponse().read())
def body(b, writer):
    t0 = 1_700_000_000_000_000_000 + b * batch * 1_000_000
    return "".join(f"water_level,station=lim-{writer}-{i % 200:03d} water_level_m={2 + (i % 50) / 100},seq={i}i {t0 + i * 1_000_000}\n" for i in range(batch)).encode()
def write(db, writer, batches, ready, results):
    bodies = [body(b, writer) for b in range(batches)]
    c = http.client.HTTPConnection(url.hostname, url.port)
    ready.wait()  # every writer has its batches: start together
    for data in bodies:
        c.request("POST", f"/write?db={db}&precision=ns", data); r = c.getresponse(); r.read()
        if r.status != 204: raise SystemExit(f"influxd answered {r.status}")
    results.put(time.time())
out = {"case": "limits-influxd", "points": points, "batch": batch}
ctx = multiprocessing.get_context("fork")
for writers in (1, 2):
    db = f"limits_{writers}"; q(f"CREATE DATABASE {db}")
    ready, results, per = ctx.Barrier(writers + 1), ctx.Queue(), points // batch // writers
    procs = [ctx.Process(target=write, args=(db, w, per, ready, results)) for w in range(writers)]
    for p in procs: p.start()
    ready.wait(); t = time.time()
    seconds = max(results.get() for _ in procs) - t
    for p in procs: p.join()
    stored = sum(s["values"][0][1] for s in q("SELECT count(water_level_m) FROM water_level", db)["results"][0].get("series", []))
    out[f"writers_{writers}"] = {"points_per_s": round(stored / seconds), "seconds": round(seconds, 2), "lost": writers * per * batch - stored}
    q(f"DROP DATABASE {db}")
print(json.dumps(out))
PY
      ;;
    flood-mosquitto | flood-embedded)
      if [ "$c" = flood-mosquitto ]; then start_mosquitto; start_worker "$c" ingest mosquitto; extra=()
      else start_worker "$c" ingest embedded; extra=(--password gc-load); fi
      begin_measure
      load "$c" --readings "$(per_station "$FLOOD_READINGS")" "${extra[@]}"
      end_measure "$c"; stop_worker; stop_mosquitto
      [ "$c" = flood-mosquitto ] && flood_rate=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["readings_per_second"])' "$results/$c.json")
      ;;
    sustained)
      rate=${SUSTAIN_RATE:-}
      if [ -z "$rate" ]; then
        [ -n "$flood_rate" ] || { echo "load.sh: sustained needs the flood-mosquitto case first, or SUSTAIN_RATE" >&2; exit 2; }
        rate=$(python3 -c 'import sys; print(round(float(sys.argv[1]) * float(sys.argv[2])))' "$flood_rate" "$SUSTAIN_FRACTION")
      fi
      start_mosquitto; start_worker "$c" ingest mosquitto
      rss_file="$work/rss.txt"; : > "$rss_file"; sample_rss "$worker_pid" "$rss_file" & sampler=$!; pids+=("$sampler")
      begin_measure
      load "$c" --rate "$rate" --readings "$(per_station "$(python3 -c "print($rate * $SUSTAIN_SECONDS)")")" --max-seconds $((SUSTAIN_SECONDS * 2 + 120))
      kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
      end_measure "$c"; stop_worker; stop_mosquitto
      ;;
    alerting)
      start_mosquitto; start_worker "$c" ingest,alerting mosquitto
      rm -f "$results/$c.flush.json"; start_flush_probe "$work/$c/alerting" "$results/$c.flush.json"
      begin_measure
      load "$c" --rate "$ALERT_RATE" --readings "$(per_station "$((ALERT_RATE * ALERT_SECONDS))")" --alert-stations "$ALERT_STATIONS" --alerts \
        --alert-wait-seconds "$ALERT_WAIT_SECONDS"
      stop_flush_probe; end_measure "$c"; stop_worker; stop_mosquitto
      ;;
    backlog)
      # The worker's persistent sessions (ingestion and alerting client ids) exist at Mosquitto; then it is stopped, the
      # backlog queues there, and the drain is timed from the moment it is started again.
      start_mosquitto; start_worker "$c" ingest,alerting mosquitto; stop_worker
      drain_file="$work/drain-start"
      load "$c" --readings "$(per_station "$BACKLOG_READINGS")" --ts-offset-seconds "-$BACKLOG_OFFSET_SECONDS" --ts-interval-seconds "$BACKLOG_INTERVAL_SECONDS" \
        --alert-stations "$ALERT_STATIONS" --alerts --alert-wait-seconds 5 --drain-start-file "$drain_file" &
      loader=$!; pids+=("$loader")
      until grep -q "waiting for" "$results/$c.load.log" 2>/dev/null; do
        kill -0 "$loader" 2>/dev/null || { echo "load.sh: the backlog publisher ended early: $(tail -5 "$results/$c.load.log")" >&2; exit 1; }
        sleep 0.2
      done
      now_ms > "$drain_file.tmp"; mv "$drain_file.tmp" "$drain_file"
      start_worker "$c" ingest,alerting mosquitto
      cpu0=0 # the worker's CPU from its start: the drain is all it does
      wait "$loader" || true
      end_measure "$c"; stop_worker; stop_mosquitto
      ;;
  esac
done

python3 - "$results" "$commit" "$cases" <<'PY'
import json, os, sys, datetime
res, commit, cases = sys.argv[1], sys.argv[2], sys.argv[3].split()
names = [n for c in cases for n in (["limits-mosquitto", "limits-influxd"] if c == "limits" else [c])]
r = {n: json.load(open(os.path.join(res, n + ".json"))) for n in names if os.path.exists(os.path.join(res, n + ".json"))}
out = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "commit": commit, "cores": os.cpu_count(),
       "load_average": open("/proc/loadavg").read().split()[:3], "cases": r}
json.dump(out, open(os.path.join(res, "report.json"), "w"), indent=1)
def f(v, d=0): return "-" if v is None else f"{v:,.{d}f}"
mq = r.get("limits-mosquitto", {}).get("readings_per_second")
print(f"\n== gardencity load, {out['date']}, commit {commit}, {out['cores']} cores, load average {' '.join(out['load_average'])} ==")
print(f"{'case':18} {'readings/s':>11} {'of mosq.':>8} {'stored p50/p99 ms':>18} {'alert p50/p99 ms':>17} {'lost':>6} {'CPU µs/rdg':>10} {'peak RSS MB':>11}  notes")
for n, x in r.items():
    if n == "limits-influxd":
        print(f"{n:18} {'':>11} {'':>8} {'':>18} {'':>17} {f(x['writers_1']['lost'] + x['writers_2']['lost']):>6} {'':>10} {'':>11}  "
              f"{x['points']:,} points in {x['batch']}-line batches: 1 writer {x['writers_1']['points_per_s']:,}/s, 2 writers {x['writers_2']['points_per_s']:,}/s")
        continue
    rate = x["drain_rate"] if n == "backlog" else x["readings_per_second"]
    sl, al = x["stored_latency"], (x.get("alerts") or {}).get("latency", {})
    notes = []
    if n == "sustained": notes.append(f"target {x['rate_target']:,.0f}/s, RSS slope after warm-up {f(x.get('rss_slope_mb_per_min'), 2)} MB/min, range {x.get('rss_after_warmup_mb')}")
    if n == "alerting":
        a = x["alerts"]; missing = a["expected"] - a["matched"]
        notes.append(f"target {x['rate_target']:,.0f}/s; alerts matched {a['matched']}/{a['expected']}" + (f" ({missing} did not come within the wait)" if missing else "") + f", live {a['live']}")
        if "disk_flush" in x and "error" in x["disk_flush"]: notes.append("disk probe: " + x["disk_flush"]["error"])
        elif "disk_flush" in x:
            d = x["disk_flush"]; slow = [f"{s['latency_ms']:.0f}" + (f" (flush {s['longest_flush_ms']:.0f})" if s.get("longest_flush_ms") else "") for s in a.get("slowest", [])[:3]]
            notes.append(f"disk flush beside it p50/p99/max {f(d['p50_ms'], 1)}/{f(d['p99_ms'], 1)}/{f(d['max_ms'], 0)} ms, {d['over_50_ms']} over 50 ms; "
                         f"slowest alerts {', '.join(slow)} ms")
    if n == "backlog":
        a = x["alerts"]; notes.append(f"drain of {x['readings']:,}: {f(x['drain_seconds'], 1)} s; live alerts {a['live']} ({'PASS' if a['live'] == 0 else 'FAIL'}), late notices {a['late']}")
    notes.append(f"generator CPU {x['generator_cpu_seconds']:.1f} s")
    if x.get("publish_failures"): notes.append(f"{x['publish_failures']} publish failures")
    if x.get("end") not in ("complete", None): notes.append("ended: " + x["end"])
    print(f"{n:18} {f(rate):>11} {(f(rate / mq * 100) + ' %') if mq and n != 'limits-mosquitto' else '':>8} "
          f"{(f(sl.get('p50_ms')) + ' / ' + f(sl.get('p99_ms'))) if n not in ('limits-mosquitto', 'backlog') else '':>18} "
          f"{(f(al.get('p50_ms')) + ' / ' + f(al.get('p99_ms'))) if al else '':>17} {f(x['lost']):>6} {f(x.get('cpu_us_per_reading'), 1):>10} {f(x.get('peak_rss_mb'), 0):>11}  {'; '.join(notes)}")
print(f"report: {os.path.join(res, 'report.json')}")
PY
