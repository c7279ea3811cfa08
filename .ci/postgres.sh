# A throwaway PostgreSQL server for the storage tests, on loopback only.
# Usage (bash): source .ci/postgres.sh; pg_start; ...; pg_stop
# pg_start installs Debian's postgresql if it is missing, creates a cluster in a temporary
# directory, starts it on 127.0.0.1 at a free port, creates the database autoxai_test and
# exports AUTOXAI_POSTGRES_URL. pg_stop stops the server and removes the directory.

_pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q postgresql >/dev/null \
            || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; }
    fi
    local bin
    bin="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")"
    PG_BIN="$bin"
    PG_DIR="$(mktemp -d)"
    if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; fi
    PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    _pg_as_owner "$bin/initdb" -D "$PG_DIR/data" -U autoxai -A trust >/dev/null
    _pg_as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=200" start >/dev/null
    _pg_as_owner "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U autoxai autoxai_test
    export AUTOXAI_POSTGRES_URL="postgresql+psycopg://autoxai@127.0.0.1:$PG_PORT/autoxai_test"
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

pg_stop() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
        _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
        rm -rf "$PG_DIR"
    fi
}
