#!/usr/bin/env bash
# Runs Schemathesis (PyPI), every check, against the OpenAPI document a deskplane server
# on the shipped quick-start config serves. Fails on any failure.
#
#   scripts/schemathesis.sh [DESKPLANE_BINARY]   (default: target/debug/deskplane)
#
# The server runs with bans off: the fuzzer's refused logins would otherwise ban
# 127.0.0.1 and leave every later request a 401. The datastore ACL grants everything, so
# the document offers, and the run fuzzes, `manager/datastore` too. A logout, a desktop's removal and the
# garbage collector end the session of the token in use, so those routes run after the
# others, with a token of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-target/debug/deskplane}"
version=4.32.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/deskplane/schemathesis-$version"
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "schemathesis: installing $version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$version"
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DESKPLANE__fail2ban__enable=false DESKPLANE__controllers__ManagerController__database_acl='["read", "put", "delete"]' \
  "$binary" serve --config config/deskplane.toml --listen "127.0.0.1:$port" \
  >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -sf "$base/API/healthz" >/dev/null && break; sleep 0.2; done
token() {
  curl -sf -XPOST -H 'Content-Type: application/json' -d '{"manager":"implicit","provider":"anonymous"}' \
    "$base/API/auth/auth" | python3 -c 'import json, sys; print(json.load(sys.stdin)["result"]["jwt_user_token"])'
}
run() {
  (cd "$work" && "$venv/bin/schemathesis" --config-file "$OLDPWD/tests/schemathesis/schemathesis.toml" \
    run "$base/API/openapi" --checks all --no-color --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
    --seed "${SCHEMATHESIS_SEED:-20261202}" --generation-database none \
    -H "ABCAuthorization: Bearer $(token)" "$@")
}
status=0
ending='^/API/(auth/logout|manager/garbagecollector|manager/desktop)'
run --exclude-path-regex "$ending" || status=1
run --include-path-regex "$ending" || status=1
exit $status
