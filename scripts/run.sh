#!/usr/bin/env bash
# Runs deskplane on the embedded in-memory default: http://127.0.0.1:8000/API
# Extra arguments go to `deskplane serve` (e.g. --listen 127.0.0.1:9000).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
deskplane_ensure_toolchain
exec cargo run --release --bin deskplane -- serve --config config/deskplane.toml "$@"
