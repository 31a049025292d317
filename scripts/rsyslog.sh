# Sourced by test.sh: Debian's rsyslog (with its TLS driver) as the syslog receiver of the SIEM export tests. The tests
# start their own instance on 127.0.0.1 with a configuration in a temporary folder; the package's own service is kept
# from starting while it is installed (policy-rc.d), and never used.

ensure_rsyslog() {
    [ -x /usr/sbin/rsyslogd ] && compgen -G "/usr/lib/*/rsyslog/lmnsd_gtls.so" >/dev/null && return 0
    log "rsyslog not found; installing the Debian packages rsyslog and rsyslog-gnutls"
    if [ "$(id -u)" != 0 ]; then log "run as root (or install rsyslog and rsyslog-gnutls) for the SIEM export tests"; return 1; fi
    local policy=/usr/sbin/policy-rc.d created=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created=1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rsyslog rsyslog-gnutls >/dev/null
    local status=$?
    [ "$created" = 1 ] && rm -f "$policy"
    [ "$status" = 0 ] && [ -x /usr/sbin/rsyslogd ]
}
