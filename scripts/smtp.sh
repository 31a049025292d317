# Sourced by test.sh: Debian's aiosmtpd (python3-aiosmtpd) for the e-mail notification tests. The tests start their own
# SMTP server on 127.0.0.1 with /usr/bin/python3 and a handler script they write; openssl makes their certificates.

ensure_smtp() {
    /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null && command -v openssl >/dev/null && return 0
    log "aiosmtpd or openssl not found; installing the Debian packages python3-aiosmtpd and openssl"
    if [ "$(id -u)" != 0 ]; then log "run as root (or install python3-aiosmtpd and openssl) to get an SMTP server for the e-mail tests"; return 1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-aiosmtpd openssl >/dev/null
    /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null && command -v openssl >/dev/null
}
