#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit tests, adapter tests against real
# servers and black-box HTTP tests. Installs what it needs on a fresh Debian machine. Tests bind port 0 and use temporary
# directories, so they run beside anything already listening.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
deskplane_ensure_toolchain

if [ ! -d ../shared/fixtures ]; then
    echo "../shared/fixtures is missing: clone deskplane beside the shared/ folder" >&2
    exit 1
fi

# Memcached, Redis and a MongoDB-wire server on free loopback ports, for the adapter tests
# (their URLs are exported; the tests fail, naming the variable, when one is missing).
SERVICES_ENV=$(mktemp)
trap 'scripts/services.sh stop "$SERVICES_ENV"' EXIT
scripts/services.sh start "$SERVICES_ENV"
# shellcheck disable=SC1090
. "$SERVICES_ENV"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# The README recipe test runs the double's binary, a crate of its own.
cargo build --workspace --bins
cargo test --workspace --all-targets
# The OpenAPI document against the server it describes: Schemathesis, every check.
scripts/schemathesis.sh target/debug/deskplane
