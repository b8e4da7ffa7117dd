#!/usr/bin/env bash
# Mosquitto's own QoS 1 delivery rate to a plain subscriber (mosquitto_sub), measured the way ../shared/bench/limits.sh
# measures it, with the publisher shapes of both harnesses: 1 and 4 connections (limits.sh) and one connection per
# station, 200 stations, wire-contract v1 payloads (peer-gardencity.sh). Same publisher (the shared mqtt-pub.js).
# Needs the shared bench directory beside the project (../shared/bench) and Debian's mosquitto and mosquitto-clients.
# Run from the project root. Env: RUNS (3) N (100000) SHAPES ("1:bench 4:bench 200:gc", connections:payload format)
# MQTT_PORT (11883) SHARED_BENCH.
# Prints one line per run and a median per shape; results in $RESULTS_DIR/results.tsv.
set -euo pipefail
SHARED_BENCH="${SHARED_BENCH:-$(cd "$(dirname "$0")/../../shared/bench" 2>/dev/null && pwd || true)}"
[ -f "$SHARED_BENCH/lib/common.sh" ] || { echo "mosquitto-alone: no ../shared/bench/lib/common.sh; set SHARED_BENCH to the shared bench directory" >&2; exit 2; }
command -v mosquitto_sub > /dev/null || { echo "mosquitto-alone: mosquitto_sub not found; install it: sudo apt-get install -y mosquitto-clients" >&2; exit 2; }
# shellcheck source=/dev/null
source "$SHARED_BENCH/lib/common.sh"

RUNS="${RUNS:-3}"; N="${N:-100000}"; SHAPES="${SHAPES:-1:bench 4:bench 200:gc}"
RESULTS_DIR="${RESULTS_DIR:-${TMPDIR:-/tmp}/gardencity-mosquitto-alone-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$RESULTS_DIR"; RESULTS_TSV="$RESULTS_DIR/results.tsv"
printf 'shape\trun\tmsg_per_s\treceived\n' > "$RESULTS_TSV"
for shape in $SHAPES; do
  [[ "$shape" =~ ^[1-9][0-9]*:(bench|gc)$ ]] || { echo "mosquitto-alone: SHAPES entry '$shape' is not connections:bench or connections:gc (e.g. 200:gc)" >&2; exit 2; }
done
# station ids for the gc format, as peer-gardencity.sh names its stations
seq -f 'bench-wl-%05g' 0 9999 > "$RESULTS_DIR/ids.txt"

ensure_node_modules
start_mosquitto

# one shape, one run: subscriber first, then the flood; the rate is messages received over (first publish → last received)
one_run() {
  local shape="$1" run="$2" f="$BENCH_TMP/sub.txt" sp t0 n last rate same=0 prev=-1
  local clients="${shape%%:*}" format="${shape##*:}"
  : > "$f"
  timeout 120 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -i "alone-sub-$$" -t 'sensors/#' -t 'gc/#' -q 1 -C "$N" -F '%U' > "$f" &
  sp=$!
  sleep 1
  timeout 120 node "$BENCH_DIR/tools/mqtt-pub.js" --url "mqtt://127.0.0.1:$MQTT_PORT" --n "$N" --qos 1 \
    --clients "$clients" --stations "$(( clients > 100 ? clients : 100 ))" --format "$format" --ids-file "$RESULTS_DIR/ids.txt" \
    --start-file "$BENCH_TMP/t0" > /dev/null
  t0=$(awk '{printf "%.3f", $1/1000}' "$BENCH_TMP/t0")
  while kill -0 "$sp" 2>/dev/null; do
    n=$(wc -l < "$f"); [ "$n" -ge "$N" ] && break
    if [ "$n" -eq "$prev" ]; then same=$((same + 1)); [ "$same" -ge 30 ] && break; else same=0; fi
    prev="$n"; sleep 0.1
  done
  # SIGTERM, then SIGKILL: a shell that ignores SIGTERM (a background job) hands that on to mosquitto_sub and timeout,
  # and mosquitto_sub -C does not always exit by itself once it has its N messages.
  kill -TERM "$sp" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
  pkill -KILL -P "$sp" 2>/dev/null || true; kill -KILL "$sp" 2>/dev/null || true; wait "$sp" 2>/dev/null || true
  n=$(wc -l < "$f"); last=$(tail -1 "$f"); [ -n "$last" ] || last="$t0"
  rate=$(awk -v n="$n" -v a="$t0" -v b="$last" 'BEGIN{d=b-a; printf "%.0f", (d>0)?n/d:0}')
  [ "$run" = warm-up ] && return 0
  printf '%s\t%s\t%s\t%s\n' "$shape" "$run" "$rate" "$n" >> "$RESULTS_TSV"
  log "QoS 1, $clients connection(s), $format payloads, run $run: $rate msg/s, received $n/$N"
}

one_run 4:bench warm-up   # discarded: a fresh broker's first run is slower
for r in $(seq 1 "$RUNS"); do
  for shape in $SHAPES; do one_run "$shape" "$r"; done
done

echo "== Mosquitto alone, QoS 1 to mosquitto_sub, $N messages, median of $RUNS (min..max) =="
for shape in $SHAPES; do
  vals=$(awk -F'\t' -v c="$shape" '$1==c{print $3}' "$RESULTS_TSV")
  lost=$(awk -F'\t' -v c="$shape" -v n="$N" '$1==c{s+=n-$4} END{print s}' "$RESULTS_TSV")
  # shellcheck disable=SC2086
  printf '%4s connection(s), %-5s payloads: %s msg/s (%s..%s), lost %s\n' "${shape%%:*}" "${shape##*:}" "$(median $vals)" \
    "$(echo "$vals" | sort -g | head -1)" "$(echo "$vals" | sort -g | tail -1)" "$lost"
done
echo "raw: $RESULTS_TSV"
