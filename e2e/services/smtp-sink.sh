#!/usr/bin/env bash
# SMTP sink (Debian python3-aiosmtpd): every message lands as a file in DIR/new/.
# usage: smtp-sink.sh start RUN_DIR PORT | stop RUN_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cmd=$1 run=$2
case $cmd in
  start)
    port=$3; mkdir -p "$run/maildir/tmp" "$run/maildir/new" "$run/maildir/cur"
    # Debian's interpreter: the python3 first on PATH may be another one without the module.
    /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$run/maildir" \
      >"$run/smtp.log" 2>&1 &
    echo $! >"$run/smtp.pid"
    wait_port "$port" ;;
  stop) stop_pidfile "$run/smtp.pid" ;;
  *) echo "usage: $0 start RUN_DIR PORT | stop RUN_DIR" >&2; exit 2 ;;
esac
