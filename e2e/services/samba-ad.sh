#!/usr/bin/env bash
# A real Active Directory domain controller (Debian's Samba 4.17 AD DC) on
# loopback, for the AD preset's tests: domain CORP / corp.example, loaded with
# an OU, people in the Users container and the OU, nested groups and a
# disabled account (see seed below), over plain LDAP (simple binds allowed)
# and LDAPS (Samba's own CA in RUN/private/tls/ca.pem).
#
# The ports are fixed, 389 and 636: an AD DC serves LDAP on the standard ports
# and Samba has no setting to move them, so one DC serves a whole test run
# (read-only, so tests can share it). With WATCH_PID the DC stops by itself
# once that process (the test binary) has gone, since nothing else would stop it.
# usage: samba-ad.sh start RUN_DIR [WATCH_PID] | stop RUN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cmd=$1 run=$2
pidfile="$run/samba.pid"
password='Svc-Muster-2026!'

seed() { # the directory every AD test reads
  local db="$run/private/sam.ldb" t="samba-tool"
  $t ou add 'OU=Staff' -H "$db" >/dev/null
  $t user create svc-muster "$password" --description='Muster read-only bind' -H "$db" >/dev/null
  $t user create ada 'Ada-Lovelace-2026!' --given-name=Ada --surname=Lovelace --job-title=Engineer \
    --department=Engineering --mail-address=ada@corp.example -H "$db" >/dev/null
  $t user create grace 'Grace-Hopper-2026!' --given-name=Grace --surname=Hopper --department=Platform \
    --userou='OU=Staff' --mail-address=grace@corp.example -H "$db" >/dev/null
  $t user create linus 'Linus-Left-2026!!' --given-name=Linus --surname=Left --userou='OU=Staff' -H "$db" >/dev/null
  $t user disable linus -H "$db" >/dev/null
  $t group add Engineering -H "$db" >/dev/null
  $t group add Platform -H "$db" >/dev/null
  $t group addmembers Engineering Platform,ada -H "$db" >/dev/null
  $t group addmembers Platform grace -H "$db" >/dev/null
}

case $cmd in
  start)
    watch=${3:-}
    if [ -f "$pidfile" ] && alive "$(cat "$pidfile")"; then exit 0; fi
    # A DC of an earlier run may still be letting go of the ports.
    for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/389) 2>/dev/null || break; sleep 0.1; done
    rm -rf "$run"; mkdir -p "$run"
    samba-tool domain provision --server-role=dc --dns-backend=NONE --realm=CORP.EXAMPLE --domain=CORP \
      --adminpass='Muster-Admin-2026!' --targetdir="$run" --option="interfaces=lo" \
      --option="bind interfaces only=yes" --option="server services=ldap" --option="pid directory=$run" \
      >"$run/provision.log" 2>&1
    # Plain-LDAP simple binds for the plain-LDAP tests (LDAPS needs nothing).
    sed -i 's/^\[global\]$/[global]\n\tldap server require strong auth = no/' "$run/etc/smb.conf"
    seed
    samba -i -M single -s "$run/etc/smb.conf" >"$run/samba.log" 2>&1 &
    echo $! >"$pidfile"
    wait_port 389 30; wait_port 636 30
    if [ -n "$watch" ]; then
      ( while alive "$watch"; do sleep 1; done; stop_pidfile "$pidfile"; rm -rf "$run" ) >/dev/null 2>&1 &
    fi ;;
  stop) stop_pidfile "$pidfile" ;;
  *) echo "usage: $0 start RUN_DIR [WATCH_PID] | stop RUN_DIR" >&2; exit 2 ;;
esac
