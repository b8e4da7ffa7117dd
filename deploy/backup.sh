#!/usr/bin/env bash
# Backs up one GardenCity.Monitoring node: its local state (spool, dead letters, alerting state) and InfluxDB 1.x
# (`influxd backup -portable`), into a new dated folder under BACKUP_ROOT. docs/backup-restore.md has the whole story:
# what is copied, in which order and why, whether a running node gives a consistent backup, and the InfluxDB 2.x and
# 3 Core equivalents.
#
#   deploy/backup.sh [options] BACKUP_ROOT
#
# Options (each also an environment variable; an option wins over its variable):
#   --influx-host HOST:PORT   GC_INFLUX_RPC        influxd's meta/RPC address, its `bind-address` setting, not the HTTP
#                                                  port (default 127.0.0.1:8088)
#   --db NAME                 GC_INFLUX_DATABASE   back up this database only (default: every database on the server)
#   --state-dir DIR           GC_STATE_DIR         the folder holding everything the services write, copied whole
#                                                  (default /var/lib/gardencity: the systemd units' and docker-compose's
#                                                  layout; skipped with a note when the default does not exist)
#   --spool DIR               GC_SPOOL_DIR         a node's GardenCity:Spool:Directory outside --state-dir
#   --dead-letter DIR         GC_DEAD_LETTER_DIR   its GardenCity:DeadLetter:Directory outside --state-dir
#   --alerting-state DIR      GC_ALERTING_STATE_DIR  its GardenCity:Alerting:StateDirectory outside --state-dir
#   --quiesce CMD             GC_BACKUP_QUIESCE    run CMD (bash -c) before the state folders are copied, e.g.
#                                                  'systemctl stop gardencity-ingest gardencity-alerting', for a copy of
#                                                  one instant (docs/backup-restore.md, "A running node")
#   --resume CMD              GC_BACKUP_RESUME     run CMD after they are copied (also when the copy fails), before the
#                                                  InfluxDB backup, e.g. 'systemctl start gardencity-ingest gardencity-alerting'
#   --no-influx                                    local state only (InfluxDB 2.x / 3 Core: back it up with its own
#                                                  tool, docs/backup-restore.md)
#   --no-state                                     InfluxDB only
#
# When --spool, --dead-letter or --alerting-state is given, --state-dir is copied only if it is given too. Every folder
# given must exist. The backup is written to NAME.partial and renamed to NAME (gardencity-YYYYMMDDTHHMMSS+0800, Beijing
# time) only when complete; backup-info.txt records where each folder came from (restore.sh puts it back there unless
# told otherwise) and SHA256SUMS lists every file, which restore.sh checks before it changes anything.
# Exit codes: 0 done, 1 failed, 2 bad arguments.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}
fail() { echo "backup.sh: $*" >&2; exit 1; }
bad_arg() { echo "backup.sh: $*" >&2; echo "Run deploy/backup.sh --help for the options." >&2; exit 2; }

influx_host=${GC_INFLUX_RPC:-127.0.0.1:8088}
database=${GC_INFLUX_DATABASE:-}
state_dir=${GC_STATE_DIR:-}
spool=${GC_SPOOL_DIR:-} dead_letter=${GC_DEAD_LETTER_DIR:-} alerting=${GC_ALERTING_STATE_DIR:-}
spool_from=GC_SPOOL_DIR dead_letter_from=GC_DEAD_LETTER_DIR alerting_from=GC_ALERTING_STATE_DIR
state_dir_from=GC_STATE_DIR
quiesce=${GC_BACKUP_QUIESCE:-} resume=${GC_BACKUP_RESUME:-}
do_influx=1 do_state=1
root=""
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || bad_arg "$1 needs a value."; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --influx-host) need_value "$@"; influx_host=$2; shift 2 ;;
    --db) need_value "$@"; database=$2; shift 2 ;;
    --state-dir) need_value "$@"; state_dir=$2; state_dir_from=--state-dir; shift 2 ;;
    --spool) need_value "$@"; spool=$2; spool_from=--spool; shift 2 ;;
    --dead-letter) need_value "$@"; dead_letter=$2; dead_letter_from=--dead-letter; shift 2 ;;
    --alerting-state) need_value "$@"; alerting=$2; alerting_from=--alerting-state; shift 2 ;;
    --quiesce) need_value "$@"; quiesce=$2; shift 2 ;;
    --resume) need_value "$@"; resume=$2; shift 2 ;;
    --no-influx) do_influx=0; shift ;;
    --no-state) do_state=0; shift ;;
    -*) bad_arg "unknown option '$1'." ;;
    *) [ -z "$root" ] || bad_arg "one BACKUP_ROOT only (got '$root' and '$1')."; root=$1; shift ;;
  esac
done
[ -n "$root" ] || bad_arg "BACKUP_ROOT is missing: the folder the dated backup folder is made in, e.g. deploy/backup.sh /srv/backup/gardencity"
[ "$do_influx" = 1 ] || [ "$do_state" = 1 ] || bad_arg "--no-influx and --no-state together leave nothing to back up."
[[ "$influx_host" =~ ^[^:[:space:]]+:[0-9]{1,5}$ ]] || bad_arg "--influx-host (GC_INFLUX_RPC) '$influx_host' is not HOST:PORT, e.g. 127.0.0.1:8088 (influxd's bind-address)."

# The state folders, each copied whole to state/NAME: the state root (default /var/lib/gardencity, skipped when absent)
# and any of the three setting folders given on their own.
dirs=() names=()
add_dir() { # NAME PATH SET_BY SETTING
  [ -d "$2" ] || bad_arg "$3: folder '$2' does not exist (set it to the node's $4)."
  dirs+=("$(cd "$2" && pwd)"); names+=("$1")
}
if [ "$do_state" = 1 ]; then
  [ -z "$spool" ] || add_dir spool "$spool" "$spool_from" GardenCity:Spool:Directory
  [ -z "$dead_letter" ] || add_dir dead-letter "$dead_letter" "$dead_letter_from" GardenCity:DeadLetter:Directory
  [ -z "$alerting" ] || add_dir alerting "$alerting" "$alerting_from" GardenCity:Alerting:StateDirectory
  if [ -n "$state_dir" ]; then add_dir root "$state_dir" "$state_dir_from" "state folder (the parent of its spool, dead-letter and alerting folders)"
  elif [ ${#dirs[@]} -eq 0 ]; then
    if [ -d /var/lib/gardencity ]; then add_dir root /var/lib/gardencity "" ""
    else echo "backup.sh: note: no state folder at /var/lib/gardencity (the default); only InfluxDB is backed up. Set --state-dir or --spool, --dead-letter, --alerting-state to the node's folders." >&2
    fi
  fi
  [ "$do_influx" = 1 ] || [ ${#dirs[@]} -gt 0 ] || bad_arg "--no-influx, and no state folder to back up."
fi
if [ "$do_influx" = 1 ]; then
  command -v influxd >/dev/null 2>&1 || fail "influxd is not installed here (Debian: apt-get install influxdb); it makes the InfluxDB 1.x backup. For InfluxDB 2.x or 3 Core use --no-influx and their own tool (docs/backup-restore.md)."
fi

mkdir -p "$root" || fail "cannot create BACKUP_ROOT '$root'."
name="gardencity-$(TZ=Asia/Shanghai date +%Y%m%dT%H%M%S%z)"
final="$(cd "$root" && pwd)/$name"
[ ! -e "$final" ] || fail "$final exists already (two backups in the same second?); run again."
work="$final.partial"
for d in "${dirs[@]}"; do
  case "$final/" in "$d"/*) bad_arg "BACKUP_ROOT '$root' is inside the state folder $d, which is copied whole: choose a BACKUP_ROOT outside it." ;; esac
done
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# The local state first, then InfluxDB: a reading still in the spool when its copy is taken is either still spooled
# or written to InfluxDB before InfluxDB's snapshot, so it is in the backup once at least (twice is harmless: the same
# series and time overwrite). In each folder the snapshot files (*.json: alert state, escalation, silences, ...) and
# the alert state's journals (state.journal.jsonl, cap.journal.jsonl; docs/alerting.md "State: snapshot and journal") are copied before the
# logs (outbox.jsonl, history/, audit/, spool segments, dead letters), so a running node's copy has, for every change
# its state holds, the notification and history line written before that state was saved.
# cp's "keep what is there": --update=none since coreutils 9.3 (9.2's -n fails when it skips), -n before.
no_clobber=-n
if cp --help 2>/dev/null | grep -q -- '--update\[=UPDATE\]'; then no_clobber=--update=none; fi
copy_state() {
  local i src dst
  for i in "${!dirs[@]}"; do
    src=${dirs[$i]} dst="$work/state/${names[$i]}"
    mkdir -p "$dst"
    (cd "$src" && find . \( -name '*.json' -o -name 'state.journal.jsonl' -o -name 'cap.journal.jsonl' \) -type f -print0 | xargs -0 -r cp -a --parents -t "$dst") \
      && cp -a "$no_clobber" "$src/." "$dst/" \
      || { echo "backup.sh: copying $src failed (disk full, or no read permission: run as the service's user or root)." >&2; return 1; }
    echo "state: ${names[$i]} from $src ($(find "$dst" -type f | wc -l) files)"
  done
}
if [ ${#dirs[@]} -gt 0 ]; then
  if [ -n "$quiesce" ]; then
    echo "quiesce: $quiesce"
    bash -c "$quiesce" || { [ -z "$resume" ] || bash -c "$resume" || true; fail "--quiesce (GC_BACKUP_QUIESCE) command failed: $quiesce"; }
  fi
  copied=0
  copy_state || copied=$?
  if [ -n "$resume" ]; then
    echo "resume: $resume"
    bash -c "$resume" || fail "--resume (GC_BACKUP_RESUME) command failed: $resume; the services may still be stopped: start them by hand."
  fi
  [ "$copied" = 0 ] || exit 1
fi

if [ "$do_influx" = 1 ]; then
  args=(backup -portable -host "$influx_host")
  [ -z "$database" ] || args+=(-db "$database")
  if ! influxd "${args[@]}" "$work/influxdb" > "$work/influxd-backup.log" 2>&1; then
    cat "$work/influxd-backup.log" >&2
    fail "influxd backup from $influx_host failed (output above). Is influxd running, and is --influx-host (GC_INFLUX_RPC) its bind-address (the RPC port, 8088 by default, not the HTTP port 8086)?${database:+ Does database '$database' exist?}"
  fi
  [ -n "$(find "$work/influxdb" -name '*.manifest' -print -quit)" ] || fail "influxd backup wrote no manifest into $work/influxdb; see $work/influxd-backup.log"
  echo "influxdb: ${database:-every database} from $influx_host"
fi

{
  echo "created: $(TZ=Asia/Shanghai date --iso-8601=seconds)"
  echo "host: $(hostname)"
  echo "influx_host: $([ "$do_influx" = 1 ] && echo "$influx_host" || echo "(not backed up)")"
  echo "database: ${database:-(all)}"
  for i in "${!dirs[@]}"; do echo "state.${names[$i]}: ${dirs[$i]}"; done
  [ "$do_influx" = 0 ] || echo "influxd: $(influxd version 2>/dev/null | head -n 1)"
} > "$work/backup-info.txt"
(cd "$work" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 -r sha256sum > SHA256SUMS)
mv "$work" "$final"
trap - EXIT
echo "Backup complete: $final"
