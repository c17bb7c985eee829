# Shared helpers for the service scripts: free ports, waiting, stopping by PID.
# Every service binds 127.0.0.1 only and records its PID in $RUN/<name>.pid.

free_port() {
  /usr/bin/python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

wait_port() { # port [seconds]
  local port=$1 deadline=$(( $(date +%s) + ${2:-15} ))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    [ "$(date +%s)" -ge "$deadline" ] && { echo "nothing listens on 127.0.0.1:$port" >&2; return 1; }
    sleep 0.05
  done
}

alive() { # pid: running and not a zombie (PID 1 here reaps slowly)
  [ -e "/proc/$1" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

stop_pidfile() { # file [signal]
  local file=$1 sig=${2:-TERM}
  [ -f "$file" ] || return 0
  local pid; pid=$(cat "$file")
  if alive "$pid"; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.05; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}
