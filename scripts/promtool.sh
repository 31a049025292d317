# Sourced by test.sh: Prometheus' promtool, to check the /metrics answers. Only the promtool binary is taken from
# Debian's prometheus package (unpacked, not installed), so no Prometheus server is set up or started.

ensure_promtool() {
    command -v promtool >/dev/null && return 0
    log "promtool not found; taking it from the Debian package prometheus"
    if [ "$(id -u)" != 0 ]; then log "run as root (or install prometheus) to get promtool for the metrics tests"; return 1; fi
    local dir
    dir=$(mktemp -d)
    (cd "$dir" && apt-get update -qq && apt-get download prometheus >/dev/null 2>&1) || { rm -rf "$dir"; return 1; }
    dpkg-deb -x "$dir"/prometheus_*.deb "$dir/root" && install -m 0755 "$dir/root/usr/bin/promtool" /usr/local/bin/promtool
    rm -rf "$dir"
    command -v promtool >/dev/null
}
