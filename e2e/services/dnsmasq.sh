#!/usr/bin/env bash
# Authoritative-enough DNS for tests (Debian dnsmasq-base) on 127.0.0.1:PORT.
# Records come from RECORDS, a dnsmasq conf fragment (txt-record=…, address=/…/…).
# dnsmasq does not re-read its config on SIGHUP, so `restart` stops and starts it.
# usage: dnsmasq.sh start|restart RUN_DIR PORT RECORDS | stop RUN_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cmd=$1 run=$2
start() {
  local port=$1 records=$2
  mkdir -p "$run"; touch "$records"
  dnsmasq -k --conf-file="$records" --port="$port" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --no-poll --user=root --pid-file= >"$run/dnsmasq.log" 2>&1 &
  echo $! >"$run/dnsmasq.pid"
  wait_port "$port"
}
case $cmd in
  start) start "$3" "$4" ;;
  restart) stop_pidfile "$run/dnsmasq.pid"; start "$3" "$4" ;;
  stop) stop_pidfile "$run/dnsmasq.pid" ;;
  *) echo "usage: $0 start|restart RUN_DIR PORT RECORDS | stop RUN_DIR" >&2; exit 2 ;;
esac
