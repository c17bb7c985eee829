# Muster task entry points. `just run` and `just test` are the Quick start.

set shell := ["bash", "-euo", "pipefail", "-c"]

# npm's wasm-opt 132 first on PATH: Debian's wasm-opt 108 corrupts the wasm.
export PATH := justfile_directory() + "/e2e/node_modules/.bin:" + env_var("HOME") + "/.cargo/bin:" + env_var("PATH")
target := env_var_or_default("CARGO_TARGET_DIR", justfile_directory() + "/target")

default:
    @just --list

# Install what builds and tests need (skips whatever is already there).
install what="all":
    bash scripts/install-tools.sh {{what}}

# Build the SPA into frontend/dist (release, wasm-opt'ed).
spa:
    trunk --skip-version-check build --release

# Build the SPA and the API and serve http://127.0.0.1:8080 on SQLite.
run: (install "build") spa
    cargo run --release -p muster-api -- serve

# Every test: unit, API integration (SQLite and PostgreSQL), Playwright (SQLite and PostgreSQL), scim2-tester, schemathesis.
test: install spa
    bash e2e/services/check.sh
    cargo build -p muster-api
    cargo test --workspace --exclude muster-frontend
    just test-postgres
    just e2e sqlite
    just e2e postgres
    just scim sqlite
    just scim postgres
    just fuzz

# The API integration suite against a throwaway PostgreSQL 15.
test-postgres:
    #!/usr/bin/env bash
    set -euo pipefail
    run=$(mktemp -d /tmp/muster-pgtest.XXXXXX)
    trap 'bash e2e/services/down.sh "$run"; rm -rf "$run"' EXIT
    bash e2e/services/up.sh "$run" postgres
    set -a; . "$run/env"; set +a
    cargo test -p muster-api --test api

# Playwright specs in Chromium against one backend (sqlite | postgres).
e2e backend="sqlite" *args="":
    MUSTER_BIN={{target}}/debug/muster bash e2e/run.sh {{backend}} {{args}}

# schemathesis over /api/openapi.json as an elevated admin: every check, a fixed seed (repeatable, ~2 min).
fuzz *args="":
    cargo build -p muster-api
    MUSTER_BIN={{target}}/debug/muster bash e2e/fuzz.sh {{args}}

# The outside SCIM compliance suite (scim2-tester) against the real server on one backend (sqlite | postgres).
scim backend="sqlite":
    cargo build -p muster-api
    MUSTER_BIN={{target}}/debug/muster bash e2e/scim-compliance.sh {{backend}}

# fmt and clippy, as CI runs them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --exclude muster-frontend --all-targets -- -D warnings
    cargo clippy -p muster-frontend --target wasm32-unknown-unknown -- -D warnings

# Regenerate the committed OpenAPI document.
openapi:
    cargo run -q -p muster-api -- export-openapi --output openapi/openapi.json

# Start every test service (SMTP sink, dnsmasq, PostgreSQL, slapd) for manual use.
services-up dir="e2e/.run/manual":
    bash e2e/services/up.sh {{dir}} && cat {{dir}}/env

services-down dir="e2e/.run/manual":
    bash e2e/services/down.sh {{dir}}

# Refresh the README's screenshot of the console (docs/console.png).
screenshot:
    mkdir -p docs
    MUSTER_E2E_SCREENSHOT={{justfile_directory()}}/docs/console.png MUSTER_BIN={{target}}/debug/muster bash e2e/run.sh sqlite getting-started

# Benchmarks: request throughput (ratios against GET /healthz, SQLite and PostgreSQL),
# then enrollment (1M-row import against a raw SQLite insert, users list, 10k invites).
bench: bench-requests bench-enrollment bench-directory bench-scim

bench-enrollment:
    cargo bench -p muster-api --bench enrollment

# Directory Sync of 100,000 users from slapd against a raw paged ldapsearch.
bench-directory:
    cargo bench -p muster-api --bench directory

# SCIM as Entra drives it (one request at a time): 10,000 creates, a full listing, look-ups; SQLite and PostgreSQL.
bench-scim:
    #!/usr/bin/env bash
    set -euo pipefail
    run=$(mktemp -d /tmp/muster-bench.XXXXXX)
    trap 'bash e2e/services/down.sh "$run"; rm -rf "$run"' EXIT
    bash e2e/services/up.sh "$run" postgres >/dev/null
    set -a; . "$run/env"; set +a
    cargo bench -p muster-api --bench scim

bench-requests:
    #!/usr/bin/env bash
    set -euo pipefail
    run=$(mktemp -d /tmp/muster-bench.XXXXXX)
    trap 'bash e2e/services/down.sh "$run"; rm -rf "$run"' EXIT
    bash e2e/services/up.sh "$run" postgres >/dev/null
    set -a; . "$run/env"; set +a
    cargo bench -p muster-api --bench requests
