#!/usr/bin/env bash
# A local SMS gateway (Python's http.server): every message Muster posts lands in RUN_DIR/sms/.
# usage: sms-gateway.sh start RUN_DIR PORT | stop RUN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cmd=$1 run=$2
case $cmd in
  start)
    port=$3; mkdir -p "$run/sms"
    /usr/bin/python3 "$here/sms-gateway.py" "$port" "$run/sms" >"$run/sms-gateway.log" 2>&1 &
    echo $! >"$run/sms-gateway.pid"
    wait_port "$port" ;;
  stop) stop_pidfile "$run/sms-gateway.pid" ;;
  *) echo "usage: $0 start RUN_DIR PORT | stop RUN_DIR" >&2; exit 2 ;;
esac
