#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit tests and black-box HTTP tests.
# Installs what it needs on a fresh Debian machine. Tests bind port 0 and use temporary
# directories, so they run beside anything already listening.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
deskplane_ensure_toolchain

if [ ! -d ../shared/fixtures ]; then
    echo "../shared/fixtures is missing: clone deskplane beside the shared/ folder" >&2
    exit 1
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# The README recipe test runs the double's binary, a crate of its own.
cargo build --workspace --bins
cargo test --workspace --all-targets
