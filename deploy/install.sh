#!/usr/bin/env bash
# Installs GardenCity.Monitoring on a Debian host without containers: a `dotnet publish` build of the gardencity
# executable, its configuration files, the settings file and the systemd units (docs/systemd.md).
#
#   sudo deploy/install.sh [options]
#
# Options:
#   --prefix DIR        the program: DIR/lib/gardencity (the published build), DIR/bin/gardencity,
#                       DIR/bin/gardencity-backup and -restore (deploy/backup.sh, restore.sh), DIR/share/doc/gardencity
#                       (default /opt/gardencity)
#   --sysconfdir DIR    configuration: gardencity.env, stations.yaml, quality.yaml, escalation.yaml, rules/,
#                       duty-room.example.json (default /etc/gardencity)
#   --unitdir DIR       the systemd units gardencity-ingest.service and gardencity-alerting.service
#                       (default /etc/systemd/system)
#   --destdir DIR       stage everything under DIR (also the DESTDIR variable): the files name the paths above, without
#                       DIR, as a package build does; no user is made and systemd is not told
#   --publish-dir DIR   install this `dotnet publish` output of src/GardenCity.Monitoring.Host instead of publishing
#   --configuration C   the build configuration to publish (default Release)
#   --no-build          publish what is built already (dotnet publish --no-build)
#   --no-system         files only, even as root: no system user, no systemctl daemon-reload (a package build, a
#                       test in a temporary prefix)
#
# Run again to upgrade: the program and the units are replaced; a configuration file you changed is kept, and the
# shipped one is put beside it as FILE.dist (rules/: rules.dist/). As root and without --destdir it also makes the
# system user gardencity and runs systemctl daemon-reload (not with --no-system); it never enables or starts a service.
# Exit codes: 0 done, 1 failed, 2 bad arguments.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}
fail() { echo "install.sh: $*" >&2; exit 1; }
bad_arg() { echo "install.sh: $*" >&2; echo "Run deploy/install.sh --help for the options." >&2; exit 2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=/opt/gardencity sysconfdir=/etc/gardencity unitdir=/etc/systemd/system
destdir=${DESTDIR:-}
publish_dir="" configuration=Release no_build=0 no_system=0
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || bad_arg "$1 needs a value."; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --prefix) need_value "$@"; prefix=$2; shift 2 ;;
    --sysconfdir) need_value "$@"; sysconfdir=$2; shift 2 ;;
    --unitdir) need_value "$@"; unitdir=$2; shift 2 ;;
    --destdir) need_value "$@"; destdir=$2; shift 2 ;;
    --publish-dir) need_value "$@"; publish_dir=$2; shift 2 ;;
    --configuration) need_value "$@"; configuration=$2; shift 2 ;;
    --no-build) no_build=1; shift ;;
    --no-system) no_system=1; shift ;;
    *) bad_arg "unknown argument '$1'." ;;
  esac
done
for pair in "--prefix=$prefix" "--sysconfdir=$sysconfdir" "--unitdir=$unitdir"; do
  [[ "${pair#*=}" == /* ]] || bad_arg "${pair%%=*} '${pair#*=}' is not an absolute path (the units and settings name it)."
done
[[ "$prefix$sysconfdir" != *[[:space:]]* ]] || bad_arg "--prefix and --sysconfdir may not contain spaces (systemd's ExecStart and EnvironmentFile would split them)."
if [ -n "$destdir" ]; then destdir=$(realpath -m "$destdir"); fi
as_root=0
if [ "$(id -u)" -eq 0 ] && [ -z "$destdir" ] && [ "$no_system" = 0 ]; then as_root=1; fi

# Where we may write: without root, only a --destdir or folders of one's own.
for dir in "$prefix" "$sysconfdir" "$unitdir"; do
  target="$destdir$dir"
  probe=$target
  while [ ! -e "$probe" ]; do probe=$(dirname "$probe"); done
  [ -w "$probe" ] || fail "cannot write to $target: run as root (sudo deploy/install.sh), or stage the files with --destdir DIR."
done

# 1. The published build.
if [ -n "$publish_dir" ]; then
  [ -f "$publish_dir/gardencity.dll" ] && [ -x "$publish_dir/gardencity" ] || fail "--publish-dir '$publish_dir' holds no gardencity.dll and gardencity executable: give the output folder of dotnet publish src/GardenCity.Monitoring.Host."
  build=$(cd "$publish_dir" && pwd)
else
  command -v dotnet >/dev/null 2>&1 || fail "dotnet (the .NET 10 SDK) is not installed: install it, or publish elsewhere and pass --publish-dir."
  build=$(mktemp -d)
  trap 'rm -rf "$build"' EXIT
  publish=(dotnet publish "$repo/src/GardenCity.Monitoring.Host/GardenCity.Monitoring.Host.csproj" -c "$configuration" -o "$build" --nologo -v q)
  [ "$no_build" = 0 ] || publish+=(--no-build)
  echo "Publishing: ${publish[*]}"
  "${publish[@]}" > "$build.log" 2>&1 || { cat "$build.log" >&2; rm -f "$build.log"; fail "dotnet publish failed (output above)."; }
  rm -f "$build.log"
fi

# 2. The program, replaced whole (a folder beside it, then renamed), and the scripts an operator runs.
lib="$destdir$prefix/lib/gardencity"
mkdir -p "$destdir$prefix/lib" "$destdir$prefix/bin" "$destdir$prefix/share/doc/gardencity"
rm -rf "$lib.new" "$lib.old"
mkdir -p "$lib.new"
cp -a "$build/." "$lib.new/"
chmod -R u=rwX,go=rX "$lib.new"
if [ -d "$lib" ]; then mv "$lib" "$lib.old"; fi
mv "$lib.new" "$lib"
rm -rf "$lib.old"
ln -sfn ../lib/gardencity/gardencity "$destdir$prefix/bin/gardencity"
install -m 0755 "$repo/deploy/backup.sh" "$destdir$prefix/bin/gardencity-backup"
install -m 0755 "$repo/deploy/restore.sh" "$destdir$prefix/bin/gardencity-restore"
for doc in systemd.md backup-restore.md; do install -m 0644 "$repo/docs/$doc" "$destdir$prefix/share/doc/gardencity/$doc"; done
echo "program: $prefix/lib/gardencity ($prefix/bin/gardencity)"

# 3. Configuration: installed when absent; a changed one is kept and the shipped one goes beside it.
rewrite() { sed -e "s#@PREFIX@#$prefix#g" -e "s#@SYSCONFDIR@#$sysconfdir#g" "$1"; }
etc="$destdir$sysconfdir"
mkdir -p "$etc"
staged=$(mktemp -d)
rewrite "$repo/deploy/systemd/gardencity.env" > "$staged/gardencity.env"
for f in stations.yaml quality.yaml escalation.yaml duty-room.example.json; do cp "$repo/deploy/$f" "$staged/$f"; done
for f in gardencity.env stations.yaml quality.yaml escalation.yaml duty-room.example.json; do
  mode=0644; [ "$f" != gardencity.env ] || mode=0640
  if [ ! -e "$etc/$f" ]; then install -m "$mode" "$staged/$f" "$etc/$f"; echo "config: $sysconfdir/$f"
  elif cmp -s "$staged/$f" "$etc/$f"; then rm -f "$etc/$f.dist"
  else install -m "$mode" "$staged/$f" "$etc/$f.dist"; echo "config: kept your $sysconfdir/$f; the shipped one is $sysconfdir/$f.dist"
  fi
done
rm -rf "$staged"
if [ ! -d "$etc/rules" ]; then
  mkdir -p "$etc/rules" && cp "$repo"/deploy/rules/*.yaml "$etc/rules/" && chmod 0644 "$etc"/rules/*.yaml
  echo "config: $sysconfdir/rules"
elif diff -rq "$repo/deploy/rules" "$etc/rules" >/dev/null 2>&1; then rm -rf "$etc/rules.dist"
else
  rm -rf "$etc/rules.dist"; mkdir -p "$etc/rules.dist" && cp "$repo"/deploy/rules/*.yaml "$etc/rules.dist/"
  echo "config: kept your $sysconfdir/rules; the shipped rules are in $sysconfdir/rules.dist"
fi

# 4. The units, always replaced (change them with drop-ins: systemctl edit gardencity-ingest).
mkdir -p "$destdir$unitdir"
for unit in gardencity-ingest.service gardencity-alerting.service; do
  rewrite "$repo/deploy/systemd/$unit" > "$destdir$unitdir/$unit.new"
  chmod 0644 "$destdir$unitdir/$unit.new"
  mv "$destdir$unitdir/$unit.new" "$destdir$unitdir/$unit"
done
echo "units: $unitdir/gardencity-ingest.service, gardencity-alerting.service"

# 5. The system user and systemd: only for a real installation by root.
if [ "$as_root" = 1 ]; then
  if ! getent passwd gardencity >/dev/null; then
    adduser --system --group --home /var/lib/gardencity --no-create-home --shell /usr/sbin/nologin gardencity >/dev/null
    echo "user: gardencity (system user)"
  fi
  chgrp gardencity "$etc/gardencity.env"
  [ ! -e "$etc/gardencity.env.dist" ] || chgrp gardencity "$etc/gardencity.env.dist"
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
else
  echo "note: not root, --destdir or --no-system: no gardencity user made, systemctl daemon-reload not run."
fi
if ! dotnet --list-runtimes 2>/dev/null | grep -q '^Microsoft.AspNetCore.App 10\.'; then
  echo "note: the ASP.NET Core 10 runtime was not found (dotnet --list-runtimes): install aspnetcore-runtime-10.0 from Microsoft's Debian repository (packages.microsoft.com) before starting the services." >&2
fi
cat <<NEXT
Installed. Next: edit $sysconfdir/gardencity.env (passwords, InfluxDB, MQTT), check it with
  $prefix/bin/gardencity registry check --file $sysconfdir/stations.yaml
then: systemctl enable --now gardencity-ingest gardencity-alerting
Ready when: curl -fs http://127.0.0.1:9464/readyz (ingest) and http://127.0.0.1:9465/readyz (alerting) answer Healthy.
NEXT
