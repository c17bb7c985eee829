#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster under RUN_DIR on 127.0.0.1:PORT (trust auth, fsync off).
# usage: postgres.sh start RUN_DIR PORT | stop RUN_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cmd=$1 run=$2
bin=/usr/lib/postgresql/15/bin
case $cmd in
  start)
    port=$3
    # PostgreSQL refuses to run as root, and /root is mode 700: keep the cluster under /tmp.
    dir=$(mktemp -d /tmp/muster-pg.XXXXXX); chown postgres: "$dir"
    echo "$dir" >"$run/postgres.dir"
    runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$run/postgres.log" 2>&1
    setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$dir/data" \
      -c listen_addresses=127.0.0.1 -p "$port" -c unix_socket_directories="$dir" -c fsync=off \
      -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 >>"$run/postgres.log" 2>&1 &
    echo $! >"$run/postgres.pid"
    wait_port "$port" 30
    for _ in $(seq 1 100); do
      runuser -u postgres -- "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break; sleep 0.1
    done ;;
  stop)
    stop_pidfile "$run/postgres.pid" INT
    [ -f "$run/postgres.dir" ] && rm -rf "$(cat "$run/postgres.dir")" "$run/postgres.dir" ;;
  *) echo "usage: $0 start RUN_DIR PORT | stop RUN_DIR" >&2; exit 2 ;;
esac
