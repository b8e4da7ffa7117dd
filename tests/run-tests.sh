#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine: installs what the tests start (influxd, mosquitto,
# docker-compose for validating docker-compose.yml, chromium and fonts-noto-cjk for the dashboard test, node/npm for
# playwright-core, python3-aiosmtpd for the duty-room email test, and systemd for systemd-analyze verify),
# checks the formatting (dotnet format), restores NuGet and npm packages, builds (warnings are errors), runs every
# test project (one in which no test starts or ends for 10 minutes is dumped and failed, naming the tests still
# running), and ends with one line "N passed, N failed".
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v influxd >/dev/null 2>&1 || missing+=(influxdb)
{ command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; } || missing+=(mosquitto)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
# deploy/tls/make-certs.sh, run by the Mosquitto TLS and API https tests.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# deploy/influxdb-retention-migrate.sh talks to influxd with curl (RetentionTests).
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# A CJK font, so that the dashboard test sees Chinese as a user does (not as boxes).
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# The duty-room email test sends through Debian's aiosmtpd (a real SMTP server), run by Debian's own python3.
[ -d /usr/lib/python3/dist-packages/aiosmtpd ] || missing+=(python3-aiosmtpd)
# systemd-analyze verifies the systemd units deploy/install.sh installs (SystemdInstallTests; nothing is started).
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# playwright-core (pinned in package-lock.json) drives Debian's chromium for the dashboard test.
(cd tests/GardenCity.Monitoring.IntegrationTests/browser && npm ci --no-audit --no-fund --loglevel=error)

# Formatting (docs/architecture.md, "Build rules"): dotnet format checks whitespace and layout against .editorconfig
# here, without loading the projects; naming, code style and the analyzers are enforced by the build itself
# (EnforceCodeStyleInBuild, TreatWarningsAsErrors). Fix with: dotnet format whitespace --folder
if ! dotnet format whitespace --folder --verify-no-changes -v q; then
  echo "Unformatted code (above): run 'dotnet format whitespace --folder' and commit the result."
  echo "0 passed, 1 failed"
  exit 1
fi

configuration=${CONFIGURATION:-Release}
dotnet restore GardenCity.Monitoring.sln --nologo -v q
dotnet build GardenCity.Monitoring.sln --no-restore -c "$configuration" --nologo -v q
log=$(mktemp)
rm -rf TestResults
set +e
# A test app in which no test starts or ends for 10 minutes hangs: it is dumped (TestResults/, mini dump), the tests
# still running are listed, and it ends as failed, so that a hang costs minutes and names itself (the CI run that hung
# ran until its 90-minute limit and named nothing).
dotnet test --solution GardenCity.Monitoring.sln --no-build -c "$configuration" \
  --hangdump --hangdump-timeout 10m --hangdump-type Mini 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
for hung in TestResults/*_hang.log; do
  if [ -f "$hung" ]; then echo "Hung (test app ${hung##*/}), running at the time:"; cat "$hung"; fi
done
# The test apps print their whole console output after the failures (the integration tests' is about 180 lines), so a
# log cut to its end named no failed test (the CI run of 2026-12-04). Each failure's first lines are repeated here.
if grep -qE '^failed ' "$log"; then
  echo "Failed tests (the first lines of each; the whole report is above):"
  awk '/^failed / { n = 25 } /^[^ ]/ && !/^failed / { n = 0 } n > 0 { print "  " $0; n-- }' "$log"
fi
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed"
exit "$status"
