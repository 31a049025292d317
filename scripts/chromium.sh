# Sourced by test.sh: Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; it never
# downloads a browser of its own).

ensure_chromium() {
    [ -x /usr/bin/chromium ] && return 0
    log "Chromium not found; installing the Debian package"
    if [ "$(id -u)" != 0 ]; then log "run as root (or install chromium) to get a browser for the UI tests"; return 1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    [ -x /usr/bin/chromium ]
}
