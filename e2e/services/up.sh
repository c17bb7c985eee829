#!/usr/bin/env bash
# Starts every test service on free loopback ports and writes their settings
# to RUN_DIR/env (sourced by the justfile and read by the Playwright config).
# usage: up.sh RUN_DIR [smtp] [dns] [postgres] [slapd] [sms]   (default: all but sms)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
run=$(mkdir -p "$1" && cd "$1" && pwd); shift
want=${*:-smtp dns postgres slapd}
: >"$run/env"
for s in $want; do
  port=$(free_port)
  case $s in
    smtp) "$here/smtp-sink.sh" start "$run" "$port"
          echo "MUSTER_TEST_SMTP_PORT=$port" >>"$run/env"; echo "MUSTER_TEST_MAILDIR=$run/maildir" >>"$run/env" ;;
    dns) "$here/dnsmasq.sh" start "$run" "$port" "$run/dns-records.conf"
         echo "MUSTER_TEST_DNS_PORT=$port" >>"$run/env"; echo "MUSTER_TEST_DNS_RECORDS=$run/dns-records.conf" >>"$run/env" ;;
    postgres) "$here/postgres.sh" start "$run" "$port"
              echo "MUSTER_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres" >>"$run/env" ;;
    sms) "$here/sms-gateway.sh" start "$run" "$port"
         echo "MUSTER_TEST_SMS_PORT=$port" >>"$run/env"; echo "MUSTER_TEST_SMS_DIR=$run/sms" >>"$run/env" ;;
    slapd) "$here/slapd.sh" start "$run" "$port"
           echo "MUSTER_TEST_LDAP_URL=ldap://127.0.0.1:$port" >>"$run/env" ;;
    *) echo "unknown service $s" >&2; exit 2 ;;
  esac
  echo "[services] $s on 127.0.0.1:$port"
done
