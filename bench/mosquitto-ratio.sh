#!/usr/bin/env bash
# Issue 17's "≥ 85 % of Mosquitto's own QoS 1 rate" as paired runs. On a shared 2-core machine Mosquitto's own rate
# moves by a quarter within minutes, so a median taken before and after a peer run is compared with a machine that
# has since changed. Here each pair is one flood of Mosquitto alone (bench/mosquitto-alone.sh: 200 connections,
# wire-contract v1 payloads, mosquitto_sub) and one flood of `gardencity run` subscribing to Mosquitto
# (../shared/bench/peer-gardencity.sh, CASES=gc-mosquitto: the issue's harness, unchanged), back to back, in
# alternating order (AB, BA, ...) so that a drifting machine favours neither. Each pair gives one ratio; the result is
# the median ratio and how many pairs reach 85 %.
# Run from the project root. Env: PAIRS (8) N (100000) SHARED_BENCH (../shared/bench) RESULTS_DIR.
# Needs what the two harnesses need (Debian's mosquitto, mosquitto-clients, influxdb; node; the .NET SDK).
set -euo pipefail
PROJECT="$(pwd)"
[ -f "$PROJECT/GardenCity.Monitoring.sln" ] || { echo "mosquitto-ratio: run it from the project root" >&2; exit 2; }
SHARED_BENCH="${SHARED_BENCH:-$(cd "$PROJECT/../shared/bench" 2>/dev/null && pwd || true)}"
[ -f "$SHARED_BENCH/peer-gardencity.sh" ] || { echo "mosquitto-ratio: no ../shared/bench/peer-gardencity.sh; set SHARED_BENCH to the shared bench directory" >&2; exit 2; }
# shellcheck source=/dev/null
source "$SHARED_BENCH/lib/common.sh"   # log, median
PAIRS="${PAIRS:-8}"; N="${N:-100000}"
[[ "$PAIRS" =~ ^[1-9][0-9]*$ ]] || { echo "mosquitto-ratio: PAIRS '$PAIRS' is not a whole number above 0" >&2; exit 2; }
RESULTS_DIR="${RESULTS_DIR:-${TMPDIR:-/tmp}/gardencity-mosquitto-ratio-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$RESULTS_DIR"; TSV="$RESULTS_DIR/pairs.tsv"
printf 'pair\torder\tmosquitto_alone\tgardencity\tpercent\tgardencity_cpu_us\n' > "$TSV"

alone() { # one flood of Mosquitto alone; prints msg/s
  RUNS=1 N="$N" SHAPES=200:gc RESULTS_DIR="$RESULTS_DIR/alone-$1" SHARED_BENCH="$SHARED_BENCH" bash "$PROJECT/bench/mosquitto-alone.sh" \
    > "$RESULTS_DIR/alone-$1.log" 2>&1 || { log "mosquitto-alone failed: $(tail -5 "$RESULTS_DIR/alone-$1.log")"; exit 1; }
  awk -F'\t' 'NR>1{print $3}' "$RESULTS_DIR/alone-$1/results.tsv"
}
gardencity() { # one flood through `gardencity run`; prints readings/s and CPU µs per reading
  CASES=gc-mosquitto ROUNDS=1 OUTAGE=0 N="$N" RESULTS_DIR="$RESULTS_DIR/gc-$1" bash "$SHARED_BENCH/peer-gardencity.sh" \
    > "$RESULTS_DIR/gc-$1.log" 2>&1 || { log "peer-gardencity failed: $(tail -5 "$RESULTS_DIR/gc-$1.log")"; exit 1; }
  awk -F'\t' 'NR>1{match($6,/cpu_us_per_reading=[0-9]+/); print $3, substr($6,RSTART+19,RLENGTH-19)}' "$RESULTS_DIR/gc-$1/results.tsv"
}

log "results -> $RESULTS_DIR; $(nproc) cores; $(git -C "$PROJECT" log -1 --format='%h %s' | cut -c1-80)"
for p in $(seq 1 "$PAIRS"); do
  if [ $((p % 2)) = 1 ]; then order=AB; a=$(alone "$p"); read -r g cpu <<< "$(gardencity "$p")"
  else order=BA; read -r g cpu <<< "$(gardencity "$p")"; a=$(alone "$p"); fi
  percent=$(awk -v g="$g" -v a="$a" 'BEGIN{printf "%.0f", (a>0)?100*g/a:0}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$order" "$a" "$g" "$percent" "$cpu" >> "$TSV"
  log "pair $p ($order): Mosquitto alone $a msg/s, gardencity $g readings/s at $cpu us per reading: $percent %"
done

percents=$(awk -F'\t' 'NR>1{print $5}' "$TSV" | sort -g)
echo "== gardencity subscribing to Mosquitto against Mosquitto alone, $N QoS 1 readings from 200 stations, $PAIRS pairs =="
# shellcheck disable=SC2086
echo "median $(median $percents) % (min $(head -1 <<< "$percents"), max $(tail -1 <<< "$percents") %); $(awk '$1>=85{c++} END{print c+0}' <<< "$percents") of $PAIRS pairs at 85 % or more"
echo "raw: $TSV"
