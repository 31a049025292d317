# Shared by test.sh and bench/run.sh (sourced): a throwaway Redis server on 127.0.0.1 in a temporary folder, for the
# Orleans cluster membership of multi-silo tests and benchmarks. ensure_redis installs Debian's redis-server when it
# is missing; start_redis exports DMARC_TEST_REDIS (host:port); stop_redis stops it by its pid and removes the folder.

redis_log() { echo "[$(basename "$0")] $*" >&2; }

ensure_redis() {
    if ! command -v redis-server >/dev/null 2>&1; then
        redis_log "redis-server not found; installing the Debian package"
        if [ "$(id -u)" != 0 ]; then redis_log "run as root (or install redis-server) to get a Redis server"; return 1; fi
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
    fi
    command -v redis-server >/dev/null 2>&1
}

redis_free_port() {
    local port
    for port in $(seq 56400 56899); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    done
    return 1
}

REDIS_DIR=""
stop_redis() {
    if [ -n "$REDIS_DIR" ] && [ -f "$REDIS_DIR/redis.pid" ]; then
        kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
        sleep 0.2
    fi
    [ -n "$REDIS_DIR" ] && rm -rf "$REDIS_DIR"
    REDIS_DIR=""
}

start_redis() {
    local port i
    port=$(redis_free_port) || return 1
    REDIS_DIR=$(mktemp -d /tmp/dmarcsecurity-redis.XXXXXX)
    # Loopback only, no persistence: the cluster's membership lives exactly as long as the run.
    redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --dir "$REDIS_DIR" \
        --logfile "$REDIS_DIR/redis.log" --save "" --appendonly no >/dev/null || { cat "$REDIS_DIR/redis.log" >&2; return 1; }
    for i in $(seq 1 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            export DMARC_TEST_REDIS="127.0.0.1:$port"
            redis_log "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port"
            return 0
        fi
        sleep 0.1
    done
    cat "$REDIS_DIR/redis.log" >&2
    return 1
}
