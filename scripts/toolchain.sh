# Sourced by the other scripts: makes sure a Rust toolchain new enough for the crate
# (1.95, edition 2024) and the C toolchain some crates build with are present.
# On a fresh Debian machine this installs them; where they are present it does nothing.

deskplane_need_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

deskplane_apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "installing Debian packages: ${missing[*]}" >&2
        deskplane_need_root apt-get update -qq
        deskplane_need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

deskplane_ensure_toolchain() {
    if command -v dpkg >/dev/null 2>&1; then
        deskplane_apt_install ca-certificates curl gcc pkg-config
    fi
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
    if ! command -v cargo >/dev/null 2>&1; then
        echo "installing Rust with rustup" >&2
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain 1.95.0 -c clippy,rustfmt
        . "$HOME/.cargo/env"
    fi
    local version
    version=$(rustc --version | awk '{print $2}')
    if [ "$(printf '%s\n1.95.0\n' "$version" | sort -V | head -n1)" != "1.95.0" ]; then
        echo "Rust $version is too old; deskplane needs 1.95 or newer (rustup update)" >&2
        exit 1
    fi
}
