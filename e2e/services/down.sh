#!/usr/bin/env bash
# Stops whatever up.sh started in RUN_DIR, by PID.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=$1
[ -d "$run" ] || exit 0
"$here/smtp-sink.sh" stop "$run"
"$here/dnsmasq.sh" stop "$run"
"$here/slapd.sh" stop "$run"
"$here/postgres.sh" stop "$run"
"$here/sms-gateway.sh" stop "$run"
exit 0
