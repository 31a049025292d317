# Shared by test.sh and bench/run.sh (sourced): a throwaway PostgreSQL server on 127.0.0.1 in a temporary folder.
# ensure_postgres installs the Debian package when no server binaries exist; start_postgres exports
# DMARC_TEST_POSTGRES (an admin connection string); stop_postgres stops the server by its data folder and removes it.

log() { echo "[$(basename "$0")] $*" >&2; }

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

ensure_postgres() {
    if [ -z "$(pg_bin)" ]; then
        log "PostgreSQL server binaries not found; installing the Debian package"
        if [ "$(id -u)" != 0 ]; then log "run as root (or install postgresql) to get a PostgreSQL server"; return 1; fi
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    [ -n "$(pg_bin)" ]
}

free_port() {
    local port
    for port in $(seq 55500 55999); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    done
    return 1
}

PG_DIR=""
stop_postgres() {
    if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
        as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
}

start_postgres() {
    local bin port
    bin=$(pg_bin)
    port=$(free_port)
    PG_DIR=$(mktemp -d /tmp/dmarcsecurity-pg.XXXXXX)
    chmod 755 "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
    as_postgres "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    # Loopback only, socket in the temp folder. Tests turn durability off (PG_DURABLE unset); benchmarks keep
    # PostgreSQL's defaults (PG_DURABLE=1) so their figures mean what they would on a real server.
    local options="-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c max_connections=400"
    if [ "${PG_DURABLE:-0}" != 1 ]; then options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
    as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start -o "$options" \
        >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
    export DMARC_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Pooling=true;Maximum Pool Size=50"
    log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}
