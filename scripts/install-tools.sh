#!/usr/bin/env bash
# Installs what a fresh machine lacks for `just run` / `just test`: the wasm32
# target, Trunk, wasm-bindgen-cli (the exact version in Cargo.lock), just, the
# Debian test services and Chromium, npm's binaryen/Playwright, and
# schemathesis from PyPI.
# Every step is skipped when the tool is already there at the right version.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock 2>/dev/null || true)
WASM_BINDGEN_VERSION=${WASM_BINDGEN_VERSION:-0.2.130}
TRUNK_VERSION=0.21.14
what=${1:-all}   # all | build (only what `just run` needs)

log() { printf '[install] %s\n' "$*"; }

rustup target list --installed | grep -q wasm32-unknown-unknown || { log "wasm32 target"; rustup target add wasm32-unknown-unknown; }

if ! command -v just >/dev/null; then log "just"; cargo install just --locked; fi
if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "trunk $TRUNK_VERSION"; cargo install trunk --locked --version "$TRUNK_VERSION"
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  # Without --locked: the locked tree wants a webpki-roots the registry lacks.
  log "wasm-bindgen-cli $WASM_BINDGEN_VERSION"; cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# npm's binaryen (wasm-opt 132) for the SPA build, and Playwright (no browser download).
if [ ! -x e2e/node_modules/.bin/wasm-opt ] || [ ! -d e2e/node_modules/@playwright/test ]; then
  log "npm: binaryen, @playwright/test"
  (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

[ "$what" = build ] && exit 0

need=()
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/sbin/slapd ] || need+=(slapd ldap-utils)
# Samba's AD DC for the Active Directory preset's tests (e2e/services/samba-ad.sh).
[ -x /usr/sbin/samba ] && [ -d /usr/share/samba/setup ] || need+=(samba samba-ad-provision samba-dsdb-modules samba-vfs-modules)
command -v wrk >/dev/null || need+=(wrk)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
/usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  log "apt: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
  # Keep Debian from starting system instances of the services we install.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created_policy=1; fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
  [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

# schemathesis (PyPI) for `just fuzz`, in a venv of its own, pinned.
SCHEMATHESIS_VERSION=4.32.5
st_venv=${MUSTER_TOOLS_DIR:-$HOME/.cache/muster}/schemathesis
if ! "$st_venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  log "schemathesis $SCHEMATHESIS_VERSION"
  /usr/bin/python3 -m venv "$st_venv"
  "$st_venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

# scim2-tester (PyPI) for `just scim`, through scim2-cli's client, in a venv of its own, pinned.
SCIM2_PINS="scim2-cli==0.6.0 scim2-tester==0.5.2 scim2-client==0.13.2 scim2-models==0.12.3"
scim_venv=${MUSTER_TOOLS_DIR:-$HOME/.cache/muster}/scim2
if [ "$(cat "$scim_venv/.pins" 2>/dev/null)" != "$SCIM2_PINS" ]; then
  log "scim2-tester"
  /usr/bin/python3 -m venv "$scim_venv"
  # shellcheck disable=SC2086
  "$scim_venv/bin/pip" install -q $SCIM2_PINS
  echo "$SCIM2_PINS" >"$scim_venv/.pins"
fi

log "done"
