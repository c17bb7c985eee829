#!/usr/bin/env bash
# Property-based fuzzing of the REST API with schemathesis (PyPI) against the
# real server on SQLite: every operation of /api/openapi.json, as an elevated
# admin of a contract enterprise, with every check. Repeatable (fixed seed and
# example count); the run's own sign-out routes are left out so the session lives.
#   e2e/fuzz.sh [extra schemathesis args…]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/services/lib.sh"

bin=${MUSTER_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/muster}
[ -x "$bin" ] || { echo "build the server first (cargo build -p muster-api): $bin" >&2; exit 1; }
st=${SCHEMATHESIS:-${MUSTER_TOOLS_DIR:-$HOME/.cache/muster}/schemathesis/bin/schemathesis}
[ -x "$st" ] || { echo "install schemathesis first (just install): $st" >&2; exit 1; }

run="$here/.run/fuzz"
rm -rf "$run"; mkdir -p "$run"
cleanup() {
  stop_pidfile "$run/muster.pid"
  "$here/services/down.sh" "$run"
}
trap cleanup EXIT
"$here/services/up.sh" "$run" smtp dns >/dev/null
set -a; . "$run/env"; set +a

port=$(free_port)
export MUSTER_BIND="127.0.0.1:$port" MUSTER_PUBLIC_URL="http://127.0.0.1:$port" MUSTER_DATA_DIR="$run/data"
export MUSTER_SMTP_URL="smtp://127.0.0.1:$MUSTER_TEST_SMTP_PORT"
export MUSTER_DNS_NAMESERVERS="127.0.0.1:$MUSTER_TEST_DNS_PORT" MUSTER_DNS_TIMEOUT_SECONDS=1
export MUSTER_WORKER_TICK_MS=200 MUSTER_LOG=${MUSTER_LOG:-warn}
# The fuzzer is one client hammering every route: limits meant for people would answer 429 to most of it.
export MUSTER_SIGNUP_PER_MINUTE=100000 MUSTER_LOGIN_PER_MINUTE=100000 MUSTER_INVITE_DAILY_LIMIT=10000000
export MUSTER_DIRECTORY_PROBE_PER_MINUTE=100000 MUSTER_MAX_QUEUED_JOBS_PER_ENTERPRISE=100000
unset MUSTER_DATABASE_URL MUSTER_SPA_DIR

domain=fuzz.test admin=pma@fuzz.test password='Fuzz-the-gate-2026!'
created=$("$bin" enterprise create --domain "$domain" --admin "$admin" --plan premium --seats 1000)
enterprise=$(sed -n 's/^enterprise \([^ ]*\) created.*/\1/p' <<<"$created")
link=$(sed -n 's/^invitation link: //p' <<<"$created")
"$bin" serve >"$run/muster.log" 2>&1 &
echo $! >"$run/muster.pid"
wait_port "$port" 60
base="http://127.0.0.1:$port"
token=$(python3 "$here/fuzz/setup.py" "$base" "$link" "$admin" "$password")

# One worker: hypothesis parses lambda sources with `ast`, which CPython 3.11 does not allow in
# two threads at once ("AST constructor recursion depth mismatch", a crash of the tool, not a finding).
echo "[fuzz] schemathesis on $base as $admin (enterprise $enterprise)"
status=0
FUZZ_ENTERPRISE=$enterprise SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$here/fuzz" \
  "$st" --config-file "$here/fuzz/schemathesis.toml" run "$base/api/openapi.json" \
  --checks all --seed 20261201 --max-examples "${FUZZ_EXAMPLES:-100}" --workers 1 \
  --header "Authorization: Bearer $token" \
  --exclude-operation-id logout --exclude-operation-id end_others --exclude-operation-id end \
  --report junit --report-dir "$run/report" \
  "$@" || status=$?
[ $status -ne 0 ] && { echo "[fuzz] server log:"; tail -n 30 "$run/muster.log"; }
exit $status
