#!/usr/bin/env bash
# Runs the Playwright specs against the real app on one backend:
#   e2e/run.sh sqlite|postgres [playwright args…]
# Starts the SMTP sink and dnsmasq (and PostgreSQL) on free loopback ports,
# the `muster` binary with the built SPA, then Chromium; stops all by PID.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
backend=${1:?usage: e2e/run.sh sqlite|postgres}; shift
. "$here/services/lib.sh"

bin=${MUSTER_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/muster}
[ -x "$bin" ] || { echo "build the server first (cargo build -p muster-api): $bin" >&2; exit 1; }
[ -f "$root/frontend/dist/index.html" ] || { echo "build the SPA first (just spa)" >&2; exit 1; }

run="$here/.run/$backend"
rm -rf "$run"; mkdir -p "$run"
cleanup() {
  stop_pidfile "$run/muster.pid"
  "$here/services/down.sh" "$run"
}
trap cleanup EXIT

services="smtp dns sms"; [ "$backend" = postgres ] && services="$services postgres"
"$here/services/up.sh" "$run" $services
set -a; . "$run/env"; set +a

port=$(free_port)
export MUSTER_BIND="127.0.0.1:$port"
export MUSTER_PUBLIC_URL="http://127.0.0.1:$port"
export MUSTER_DATA_DIR="$run/data"
export MUSTER_SMTP_URL="smtp://127.0.0.1:$MUSTER_TEST_SMTP_PORT"
export MUSTER_DNS_NAMESERVERS="127.0.0.1:$MUSTER_TEST_DNS_PORT"
export MUSTER_DNS_TIMEOUT_SECONDS=2
export MUSTER_SPA_DIR="$root/frontend/dist"
export MUSTER_WORKER_TICK_MS=200
export MUSTER_LOG=${MUSTER_LOG:-warn}
# One browser, many sign-ups and sign-ins from 127.0.0.1.
export MUSTER_SIGNUP_PER_MINUTE=1000 MUSTER_LOGIN_PER_MINUTE=1000
# The test slapd listens on loopback, which Muster refuses unless the operator allows it.
export MUSTER_LDAP_ALLOWED_NETWORKS=127.0.0.0/8
# The specs receive webhooks on loopback, which Muster refuses unless allowed.
export MUSTER_WEBHOOK_ALLOW_PRIVATE=true
# Text messages go to the local gateway, which files them for the specs to read.
export MUSTER_SMS_URL="http://127.0.0.1:$MUSTER_TEST_SMS_PORT/sms" MUSTER_SMS_AUTH_HEADER="Bearer e2e-gateway"
unset MUSTER_DATABASE_URL
if [ "$backend" = postgres ]; then
  psql "$MUSTER_TEST_POSTGRES_URL" -qc 'CREATE DATABASE muster_e2e'
  export MUSTER_DATABASE_URL="${MUSTER_TEST_POSTGRES_URL%/*}/muster_e2e"
fi
"$bin" serve >"$run/muster.log" 2>&1 &
echo $! >"$run/muster.pid"
wait_port "$port" 60

export MUSTER_E2E_BASE_URL="http://127.0.0.1:$port" MUSTER_E2E_RUN="$run" MUSTER_E2E_BIN="$bin"
cd "$here"
echo "[e2e] $backend: Muster on $MUSTER_E2E_BASE_URL"
status=0
./node_modules/.bin/playwright test "$@" || status=$?
[ $status -ne 0 ] && { echo "[e2e] server log:"; tail -n 50 "$run/muster.log"; }
exit $status
