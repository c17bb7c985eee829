#!/usr/bin/env bash
# Smoke test of the service scripts: starts all four on loopback, asks each a
# real question (SMTP send, DNS TXT, SQL, LDAP search), and stops them by PID.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=$(mktemp -d /tmp/muster-services.XXXXXX)
trap '"$here/down.sh" "$run"; rm -rf "$run"' EXIT
"$here/up.sh" "$run" smtp dns postgres slapd
set -a; . "$run/env"; set +a
echo 'txt-record=_muster-challenge.check.test,"muster-verification=ok"' >"$MUSTER_TEST_DNS_RECORDS"
"$here/dnsmasq.sh" restart "$run" "$MUSTER_TEST_DNS_PORT" "$MUSTER_TEST_DNS_RECORDS"
/usr/bin/python3 - <<PY
import smtplib, socket, struct, os, glob
s = smtplib.SMTP("127.0.0.1", int(os.environ["MUSTER_TEST_SMTP_PORT"]))
s.sendmail("a@check.test", ["b@check.test"], "Subject: check\r\n\r\nhello\r\n"); s.quit()
assert glob.glob(os.environ["MUSTER_TEST_MAILDIR"] + "/new/*"), "no mail in the maildir"
# A minimal DNS query for the TXT record, over UDP.
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in "_muster-challenge.check.test".split(".")) + b"\0" + struct.pack(">HH", 16, 1)
d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); d.settimeout(2)
d.sendto(q, ("127.0.0.1", int(os.environ["MUSTER_TEST_DNS_PORT"])))
assert b"muster-verification=ok" in d.recv(512), "TXT record not served"
PY
[ "$(psql "$MUSTER_TEST_POSTGRES_URL" -tAc 'SELECT 40 + 2')" = 42 ]
ldapsearch -x -H "$MUSTER_TEST_LDAP_URL" -b dc=example,dc=test -s base -LLL dn | grep -q '^dn: dc=example,dc=test'
echo "services: 4 passed, 0 failed"
