#!/usr/bin/env bash
# Moves an InfluxDB 1.x installation from "everything in autogen, kept for ever" to the retention layout of
# docs/retention.md: copies what must be kept for ever into the forever retention policy, checks the copy, and only
# then (with --shorten) gives autogen the raw readings' duration. Never shortens anything unless every copy checked out.
#
#   deploy/influxdb-retention-migrate.sh [options]
#
# Options (each also an environment variable; an option wins over its variable):
#   --url URL          GC_INFLUX_URL       influxd's HTTP API (default http://127.0.0.1:8086)
#   --db NAME          GC_INFLUX_DATABASE  the database (default gardencity)
#   --from-rp NAME                         the policy holding everything today (default autogen)
#   --forever-rp NAME                      GardenCity:Retention:ForeverPolicy (default forever)
#   --user NAME        GC_INFLUX_USER      HTTP Basic user, when influxd has auth-enabled
#   --password TEXT    GC_INFLUX_PASSWORD  its password (prefer the variable: options show in `ps`)
#   --shorten DURATION                     after a good copy, ALTER the --from-rp policy to DURATION (e.g. 2160h for
#                                          90 days, GardenCity:Retention:RawDuration in hours)
#
# Copying again is harmless (same measurement, tags and time: the same points). Take a backup first
# (deploy/backup.sh). Exit codes: 0 done, 1 failed (nothing shortened), 2 bad arguments.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }
fail() { echo "influxdb-retention-migrate.sh: $*" >&2; exit 1; }
bad_arg() { echo "influxdb-retention-migrate.sh: $*" >&2; echo "Run deploy/influxdb-retention-migrate.sh --help for the options." >&2; exit 2; }

url="${GC_INFLUX_URL:-http://127.0.0.1:8086}"
db="${GC_INFLUX_DATABASE:-gardencity}"
from_rp=autogen
forever_rp=forever
user="${GC_INFLUX_USER:-}"
password="${GC_INFLUX_PASSWORD:-}"
shorten=
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url="${2:?--url needs a value}"; shift 2 ;;
    --db) db="${2:?--db needs a value}"; shift 2 ;;
    --from-rp) from_rp="${2:?--from-rp needs a value}"; shift 2 ;;
    --forever-rp) forever_rp="${2:?--forever-rp needs a value}"; shift 2 ;;
    --user) user="${2:?--user needs a value}"; shift 2 ;;
    --password) password="${2:?--password needs a value}"; shift 2 ;;
    --shorten) shorten="${2:?--shorten needs a duration such as 2160h}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) bad_arg "unknown argument '$1'" ;;
  esac
done
for name in "$db" "$from_rp" "$forever_rp"; do
  [[ "$name" =~ ^[A-Za-z0-9_.-]{1,64}$ ]] || bad_arg "'$name' is not a database or policy name (letters, digits, _ . -)"
done
[ -z "$shorten" ] || [[ "$shorten" =~ ^[0-9]+[hdw]$ ]] || bad_arg "--shorten '$shorten' is not an InfluxQL duration such as 2160h, 90d or 13w"
[ "$from_rp" != "$forever_rp" ] || bad_arg "--from-rp and --forever-rp are the same policy '$from_rp'"

auth=()
[ -z "$user" ] || auth=(-u "$user:$password")

# Runs one InfluxQL statement; prints the JSON answer; fails on an HTTP or InfluxQL error.
influxql() {
  local answer
  answer=$(curl -sS --fail-with-body "${auth[@]}" -XPOST "$url/query" --data-urlencode "db=$db" --data-urlencode "q=$1") \
    || fail "influxd at $url refused: $1 -> $answer"
  case "$answer" in *'"error"'*) fail "InfluxQL error for: $1 -> $answer" ;; esac
  printf '%s\n' "$answer"
}

# The per-field counts of a measurement in a policy, as InfluxDB answers them (without the measurement's name).
counts() { influxql "SELECT count(*) FROM \"$db\".\"$1\".\"$2\"${3:+ WHERE $3}" | sed -e 's/"name":"[^"]*",//' -e 's/"statement_id":0,//'; }

influxql "CREATE RETENTION POLICY \"$forever_rp\" ON \"$db\" DURATION INF REPLICATION 1" >/dev/null 2>&1 || true
policies=$(influxql "SHOW RETENTION POLICIES ON \"$db\"")
case "$policies" in *"[\"$forever_rp\",\"0s\","*) ;; *) fail "policy '$forever_rp' on '$db' is missing or not infinite: $policies" ;; esac

forever=(alert_event alert_delivery fire_weather geohazard camera_trap_review camera_trap camera_trap_trigger)
for m in "${forever[@]}"; do
  influxql "SELECT * INTO \"$db\".\"$forever_rp\".\"$m\" FROM \"$db\".\"$from_rp\".\"$m\" GROUP BY *" >/dev/null
done
camera="\"kind\" = 'camera-trap'"
influxql "SELECT * INTO \"$db\".\"$forever_rp\".\"station_status\" FROM \"$db\".\"$from_rp\".\"station_status\" WHERE $camera GROUP BY *" >/dev/null

bad=0
for m in "${forever[@]}" station_status; do
  where=; [ "$m" != station_status ] || where="$camera"
  source=$(counts "$from_rp" "$m" "$where")
  copy=$(counts "$forever_rp" "$m" "$where")
  if [ "$source" = "$copy" ]; then
    echo "$m: copied ($source)"
  else
    echo "$m: copy differs: $from_rp $source, $forever_rp $copy" >&2
    bad=1
  fi
done
[ "$bad" = 0 ] || fail "the copy is incomplete; nothing was shortened"

if [ -n "$shorten" ]; then
  influxql "ALTER RETENTION POLICY \"$from_rp\" ON \"$db\" DURATION $shorten" >/dev/null
  echo "$from_rp on $db now keeps data for $shorten"
else
  echo "Copy complete. Run again with --shorten DURATION (e.g. 2160h) to give $from_rp the raw readings' duration."
fi
