#!/usr/bin/env bash
# A throwaway OpenLDAP (Debian slapd) on ldap://127.0.0.1:PORT with suffix dc=example,dc=test,
# rootdn cn=admin,dc=example,dc=test / password "admin-secret", and the memberof overlay.
# With SLAPD_TLS_PORT set it also listens on ldaps://127.0.0.1:SLAPD_TLS_PORT (and offers
# StartTLS) with a fresh self-signed certificate that no client trusts: for TLS error tests.
# usage: slapd.sh start RUN_DIR PORT [DATA.ldif] | stop RUN_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cmd=$1 run=$2
suffix="dc=example,dc=test"
case $cmd in
  start)
    port=$3 data=${4:-}
    dir="$run/slapd"; rm -rf "$dir"; mkdir -p "$dir/slapd.d" "$dir/db"
    hash=$(slappasswd -s admin-secret)
    urls="ldap://127.0.0.1:$port/"
    cat >"$dir/config.ldif" <<LDIF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $dir/slapd.pid

dn: cn=module,cn=config
objectClass: olcModuleList
cn: module
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: memberof

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif
include: file:///etc/ldap/schema/nis.ldif

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $suffix
olcRootDN: cn=admin,$suffix
olcRootPW: $hash
olcDbDirectory: $dir/db
olcDbMaxSize: 4294967296
olcDbNoSync: TRUE
olcAccess: {0}to * by * read

dn: olcOverlay={0}memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {0}memberof
olcMemberOfGroupOC: groupOfNames
olcMemberOfRefInt: TRUE
LDIF
    if [ -n "${SLAPD_TLS_PORT:-}" ]; then
      openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
      sed -i "s|^olcPidFile: .*|&\nolcTLSCertificateFile: $dir/cert.pem\nolcTLSCertificateKeyFile: $dir/key.pem|" "$dir/config.ldif"
      urls="$urls ldaps://127.0.0.1:$SLAPD_TLS_PORT/"
    fi
    slapadd -n0 -F "$dir/slapd.d" -l "$dir/config.ldif" >"$run/slapd.log" 2>&1
    cat >"$dir/base.ldif" <<LDIF
dn: $suffix
objectClass: dcObject
objectClass: organization
dc: example
o: Example
LDIF
    slapadd -q -F "$dir/slapd.d" -b "$suffix" -l "$dir/base.ldif" >>"$run/slapd.log" 2>&1
    # -q: without it a large load takes minutes instead of seconds.
    [ -n "$data" ] && slapadd -q -F "$dir/slapd.d" -b "$suffix" -l "$data" >>"$run/slapd.log" 2>&1
    slapd -d 0 -F "$dir/slapd.d" -h "$urls" >>"$run/slapd.log" 2>&1 &
    echo $! >"$run/slapd.pid"
    wait_port "$port" ;;
  stop) stop_pidfile "$run/slapd.pid" ;;
  *) echo "usage: $0 start RUN_DIR PORT [DATA.ldif] | stop RUN_DIR" >&2; exit 2 ;;
esac
