# Sourced by test.sh: Debian's Dovecot IMAP server for the mailbox tests. The tests start their own unprivileged
# instance on 127.0.0.1 with a configuration in a temporary folder; the system service is never used.

ensure_dovecot() {
    [ -x /usr/sbin/dovecot ] && return 0
    log "Dovecot not found; installing the Debian package dovecot-imapd"
    if [ "$(id -u)" != 0 ]; then log "run as root (or install dovecot-imapd) to get an IMAP server for the mailbox tests"; return 1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null
    [ -x /usr/sbin/dovecot ]
}
