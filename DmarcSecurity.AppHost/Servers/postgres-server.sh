#!/usr/bin/env bash
# PostgreSQL for the AppHost's PostgreSQL mode, in the foreground: the machine's installed server (the highest version
# under /usr/lib/postgresql), its cluster in the given folder (created with trust authentication on first use, kept
# between runs), listening on 127.0.0.1 only, run as the postgres user when started as root (PostgreSQL refuses root).
# SIGTERM or SIGINT ask the server for a fast shutdown (PostgreSQL's own SIGTERM would wait for every client).
# Usage: postgres-server.sh <cluster folder> <port> <database>
set -euo pipefail
cluster=$1 port=$2 database=$3

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL mode needs the PostgreSQL server (initdb, postgres) under /usr/lib/postgresql/<version>/bin;" \
        "install it (Debian/Ubuntu: apt-get install postgresql)" >&2
    exit 1
fi

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "run as root, PostgreSQL mode runs the server as the postgres user, and there is none (useradd --system postgres)" >&2
    exit 1
fi

mkdir -p "$cluster"
if [ "$(id -u)" = 0 ]; then
    # The service user must pass through the data folder to reach its cluster.
    chmod o+x "$(dirname "$cluster")"
    chown postgres:postgres "$cluster"
fi
cd "$(dirname "$cluster")"
if [ ! -f "$cluster/PG_VERSION" ]; then
    echo "creating a PostgreSQL cluster in $cluster"
    as_postgres "$bin/initdb" -D "$cluster" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8
fi
if [ -f "$cluster/postmaster.pid" ] && kill -0 "$(head -n 1 "$cluster/postmaster.pid")" 2>/dev/null; then
    echo "a server still runs on $cluster (pid $(head -n 1 "$cluster/postmaster.pid")); stopping it first"
    as_postgres "$bin/pg_ctl" -D "$cluster" -m fast -w stop
fi

set +e # from here on the script must live as long as the server does
# Every silo keeps a pool of connections of its own: room for several silos, the Api and psql.
as_postgres "$bin/postgres" -D "$cluster" -c listen_addresses=127.0.0.1 -p "$port" -k "$cluster" -c max_connections=300 &
server=$!
stop() {
    # The postmaster itself, not runuser: SIGINT is PostgreSQL's fast shutdown.
    if [ -f "$cluster/postmaster.pid" ]; then kill -INT "$(head -n 1 "$cluster/postmaster.pid")" 2>/dev/null || true; fi
}
trap stop TERM INT

for _ in $(seq 1 100); do
    if as_postgres "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
        if [ "$(as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]; then
            as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
            echo "created database $database"
        fi
        break
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done

# wait returns early (128 + signal) when a trapped signal arrives; wait again for the server to finish its shutdown.
wait "$server"
status=$?
if [ "$status" -gt 128 ]; then wait "$server"; status=$?; fi
exit "$status"
