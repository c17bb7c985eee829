#!/usr/bin/env bash
# The outside SCIM 2.0 compliance suite (scim2-tester from PyPI, via
# e2e/scim/check.py) against the real server: a contract enterprise, its PMA
# signed in, a SCIM token created through the REST API, then every check.
#   e2e/scim-compliance.sh [sqlite|postgres]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/services/lib.sh"

bin=${MUSTER_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/muster}
[ -x "$bin" ] || { echo "build the server first (cargo build -p muster-api): $bin" >&2; exit 1; }
py=${MUSTER_TOOLS_DIR:-$HOME/.cache/muster}/scim2/bin/python
[ -x "$py" ] || { echo "install scim2-tester first (just install): $py" >&2; exit 1; }

backend=${1:-sqlite}
services="smtp dns"; [ "$backend" = postgres ] && services="$services postgres"
run="$here/.run/scim-$backend"
rm -rf "$run"; mkdir -p "$run"
cleanup() {
  stop_pidfile "$run/muster.pid"
  "$here/services/down.sh" "$run"
}
trap cleanup EXIT
"$here/services/up.sh" "$run" $services >/dev/null
set -a; . "$run/env"; set +a

port=$(free_port)
export MUSTER_BIND="127.0.0.1:$port" MUSTER_PUBLIC_URL="http://127.0.0.1:$port" MUSTER_DATA_DIR="$run/data"
export MUSTER_SMTP_URL="smtp://127.0.0.1:$MUSTER_TEST_SMTP_PORT"
export MUSTER_DNS_NAMESERVERS="127.0.0.1:$MUSTER_TEST_DNS_PORT" MUSTER_DNS_TIMEOUT_SECONDS=1
export MUSTER_WORKER_TICK_MS=200 MUSTER_LOG=${MUSTER_LOG:-warn}
export MUSTER_TOKEN_REQUESTS_PER_MINUTE=100000 MUSTER_INVITE_DAILY_LIMIT=10000000
unset MUSTER_SPA_DIR MUSTER_DATABASE_URL
if [ "$backend" = postgres ]; then
  psql "$MUSTER_TEST_POSTGRES_URL" -qc 'CREATE DATABASE muster_scim'
  export MUSTER_DATABASE_URL="${MUSTER_TEST_POSTGRES_URL%/*}/muster_scim"
fi

domain=scim.test admin=pma@scim.test password='Scim-the-gate-2026!'
created=$("$bin" enterprise create --domain "$domain" --admin "$admin" --plan premium --seats 1000)
enterprise=$(sed -n 's/^enterprise \([^ ]*\) created.*/\1/p' <<<"$created")
link=$(sed -n 's/^invitation link: //p' <<<"$created")
"$bin" serve >"$run/muster.log" 2>&1 &
echo $! >"$run/muster.pid"
wait_port "$port" 60
base="http://127.0.0.1:$port"
session=$(python3 "$here/fuzz/setup.py" "$base" "$link" "$admin" "$password")
token=$(curl -sf -X POST "$base/api/v1/enterprises/$enterprise/api-tokens" -H "Authorization: Bearer $session" \
  -H 'Content-Type: application/json' -d '{"name": "scim2-tester", "scopes": ["scim"]}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

echo "[scim] $backend: scim2-tester on $base/scim/v2 (enterprise $enterprise)"
status=0
"$py" "$here/scim/check.py" "$base/scim/v2" "$token" "$domain" || status=$?
[ $status -ne 0 ] && { echo "[scim] server log:"; tail -n 30 "$run/muster.log"; }
exit $status
