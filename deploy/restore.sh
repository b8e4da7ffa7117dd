#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh: InfluxDB 1.x (`influxd restore -portable`) and the local state folders
# (spool, dead letters, alerting state). docs/backup-restore.md has the procedure (stop the GardenCity services first,
# restore, start them) and the InfluxDB 2.x and 3 Core equivalents.
#
#   deploy/restore.sh [options] BACKUP_DIR
#
# BACKUP_DIR is one dated folder made by backup.sh (gardencity-YYYYMMDDTHHMMSS+0800). Its SHA256SUMS are checked before
# anything is changed, and the restored state files are checked against them afterwards.
#
# Options (each also an environment variable; an option wins over its variable):
#   --influx-host HOST:PORT   GC_INFLUX_RPC        the target influxd's meta/RPC address, its `bind-address` setting,
#                                                  not the HTTP port (default 127.0.0.1:8088)
#   --db NAME                 GC_INFLUX_DATABASE   restore this database only (default: every database in the backup)
#   --new-db NAME                                  restore --db under this name (it must not exist on the target)
#   --state-dir DIR           GC_STATE_DIR         where the backed-up state root goes
#   --spool DIR               GC_SPOOL_DIR         where a backed-up GardenCity:Spool:Directory goes
#   --dead-letter DIR         GC_DEAD_LETTER_DIR   where a backed-up GardenCity:DeadLetter:Directory goes
#   --alerting-state DIR      GC_ALERTING_STATE_DIR  where a backed-up GardenCity:Alerting:StateDirectory goes
#                                                  (each default: where backup-info.txt says the folder came from)
#   --owner USER[:GROUP]                           give the restored state files to this user (e.g. gardencity:gardencity
#                                                  on a new host, where the backed-up numeric owner may not exist)
#   --force                                        a state folder that exists and is not empty is moved aside to
#                                                  DIR.before-restore-YYYYMMDDTHHMMSS (never deleted); without --force
#                                                  the restore refuses to start
#   --no-influx                                    state only
#   --no-state                                     InfluxDB only
#
# The target influxd must not already hold a database being restored (influxd restore refuses): restore into a fresh
# server, DROP DATABASE first, or use --db with --new-db. Exit codes: 0 done, 1 failed, 2 bad arguments.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}
fail() { echo "restore.sh: $*" >&2; exit 1; }
bad_arg() { echo "restore.sh: $*" >&2; echo "Run deploy/restore.sh --help for the options." >&2; exit 2; }

influx_host=${GC_INFLUX_RPC:-127.0.0.1:8088}
database=${GC_INFLUX_DATABASE:-}
new_db=""
declare -A target=([root]=${GC_STATE_DIR:-} [spool]=${GC_SPOOL_DIR:-} [dead-letter]=${GC_DEAD_LETTER_DIR:-} [alerting]=${GC_ALERTING_STATE_DIR:-})
owner="" force=0 do_influx=1 do_state=1
backup=""
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || bad_arg "$1 needs a value."; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --influx-host) need_value "$@"; influx_host=$2; shift 2 ;;
    --db) need_value "$@"; database=$2; shift 2 ;;
    --new-db) need_value "$@"; new_db=$2; shift 2 ;;
    --state-dir) need_value "$@"; target[root]=$2; shift 2 ;;
    --spool) need_value "$@"; target[spool]=$2; shift 2 ;;
    --dead-letter) need_value "$@"; target[dead-letter]=$2; shift 2 ;;
    --alerting-state) need_value "$@"; target[alerting]=$2; shift 2 ;;
    --owner) need_value "$@"; owner=$2; shift 2 ;;
    --force) force=1; shift ;;
    --no-influx) do_influx=0; shift ;;
    --no-state) do_state=0; shift ;;
    -*) bad_arg "unknown option '$1'." ;;
    *) [ -z "$backup" ] || bad_arg "one BACKUP_DIR only (got '$backup' and '$1')."; backup=$1; shift ;;
  esac
done
[ -n "$backup" ] || bad_arg "BACKUP_DIR is missing: one folder made by backup.sh, e.g. deploy/restore.sh /srv/backup/gardencity/gardencity-20261203T020000+0800"
[ -z "$new_db" ] || [ -n "$database" ] || bad_arg "--new-db needs --db (the database of the backup to restore under the new name)."
[ -d "$backup" ] || bad_arg "BACKUP_DIR '$backup' is not a folder."
backup=$(cd "$backup" && pwd)
case "$backup" in *.partial) bad_arg "BACKUP_DIR '$backup' is an unfinished backup (.partial): backup.sh stopped before it was complete; use another." ;; esac
[ -f "$backup/SHA256SUMS" ] && [ -f "$backup/backup-info.txt" ] || bad_arg "BACKUP_DIR '$backup' has no SHA256SUMS or backup-info.txt: it is not a folder made by backup.sh (give the dated folder, not BACKUP_ROOT)."
[ "$do_influx" = 1 ] || [ "$do_state" = 1 ] || bad_arg "--no-influx and --no-state together leave nothing to restore."
[[ "$influx_host" =~ ^[^:[:space:]]+:[0-9]{1,5}$ ]] || bad_arg "--influx-host (GC_INFLUX_RPC) '$influx_host' is not HOST:PORT, e.g. 127.0.0.1:8088 (influxd's bind-address)."

# 1. The backup is whole: every file as it was written.
if ! (cd "$backup" && sha256sum --check --quiet --strict SHA256SUMS) >&2; then
  fail "$backup does not match its SHA256SUMS (files listed above are damaged or missing): restore from another backup."
fi

# 2. Where each state folder goes, all checked before anything changes.
names=() dests=()
if [ "$do_state" = 1 ] && [ -d "$backup/state" ]; then
  for dir in "$backup"/state/*/; do
    name=$(basename "$dir")
    [[ "$name" =~ ^(root|spool|dead-letter|alerting)$ ]] || fail "$backup/state/$name is not a state folder backup.sh makes."
    dest=${target[$name]}
    if [ -z "$dest" ]; then
      dest=$(sed -n "s/^state\.$name: //p" "$backup/backup-info.txt")
      [ -n "$dest" ] || fail "backup-info.txt does not say where state/$name came from; give its folder (--state-dir, --spool, --dead-letter or --alerting-state)."
    fi
    dest=$(realpath -m "$dest")
    if [ -e "$dest" ] && [ ! -d "$dest" ]; then fail "$dest (for state/$name) exists and is not a folder."; fi
    if [ -d "$dest" ] && [ -n "$(ls -A "$dest")" ] && [ "$force" != 1 ]; then
      option=$(case "$name" in root) echo --state-dir ;; *) echo "--$name" ;; esac | sed 's/--alerting$/--alerting-state/')
      fail "$dest (for state/$name) is not empty. Stop the GardenCity services, then restore with --force (the folder is moved aside to $dest.before-restore-..., not deleted), or choose another folder with $option."
    fi
    names+=("$name"); dests+=("$dest")
  done
fi
if [ "$do_influx" = 1 ]; then
  [ -d "$backup/influxdb" ] || fail "$backup has no InfluxDB backup (it was made with --no-influx); restore with --no-influx."
  command -v influxd >/dev/null 2>&1 || fail "influxd is not installed here (Debian: apt-get install influxdb); it restores the InfluxDB 1.x backup."
fi

# 3. InfluxDB first: if the server refuses (the database exists), no state folder has been touched.
if [ "$do_influx" = 1 ]; then
  args=(restore -portable -host "$influx_host")
  [ -z "$database" ] || args+=(-db "$database")
  [ -z "$new_db" ] || args+=(-newdb "$new_db")
  log=$(mktemp)
  if ! influxd "${args[@]}" "$backup/influxdb" > "$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    fail "influxd restore into $influx_host failed (output above). Is the target influxd running, and is --influx-host (GC_INFLUX_RPC) its bind-address (the RPC port, 8088 by default, not the HTTP port 8086)? A database that exists on the target is refused: DROP DATABASE it first, restore into a fresh server, or use --db NAME --new-db OTHER."
  fi
  rm -f "$log"
  echo "influxdb: ${database:-every database in the backup}${new_db:+ as $new_db} restored into $influx_host"
fi

# 4. The state folders: copied beside their place, checked, then renamed into it.
stamp=$(TZ=Asia/Shanghai date +%Y%m%dT%H%M%S)
for i in "${!names[@]}"; do
  name=${names[$i]} dest=${dests[$i]}
  incoming="$dest.restoring"
  rm -rf "$incoming"
  mkdir -p "$incoming"
  cp -a "$backup/state/$name/." "$incoming/" || fail "copying state/$name to $incoming failed (disk full, or no write permission: run as root or the service's user)."
  if ! (cd "$incoming" && sed -n "s#^\([0-9a-f]\{64\}\)  \./state/$name/#\1  ./#p" "$backup/SHA256SUMS" | sha256sum --check --quiet --strict) >&2; then
    fail "the copy in $incoming does not match the backup (listed above); $dest is unchanged."
  fi
  [ -z "$owner" ] || chown -R "$owner" "$incoming" || fail "chown -R $owner $incoming failed (--owner needs root)."
  if [ -d "$dest" ]; then
    if [ -n "$(ls -A "$dest")" ]; then mv "$dest" "$dest.before-restore-$stamp"; echo "state: the former $dest is kept as $dest.before-restore-$stamp"
    else rmdir "$dest"; fi
  fi
  mv "$incoming" "$dest"
  echo "state: $name restored to $dest ($(find "$dest" -type f | wc -l) files, checked)"
done
echo "Restore complete from $backup."
