# Sourced by test.sh: Debian's crowdsec-firewall-bouncer (nftables mode) for the enforcement tests, which run it against
# the Api. --no-install-recommends: the recommended CrowdSec agent registers online when installed, which fails offline.

ensure_bouncer() {
    [ -x /usr/bin/crowdsec-firewall-bouncer ] && command -v nft >/dev/null 2>&1 && return 0
    log "crowdsec-firewall-bouncer or nftables not found; installing the Debian packages"
    if [ "$(id -u)" != 0 ]; then log "run as root (or install crowdsec-firewall-bouncer and nftables) for the enforcement tests"; return 1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends crowdsec-firewall-bouncer nftables >/dev/null
    [ -x /usr/bin/crowdsec-firewall-bouncer ] && command -v nft >/dev/null 2>&1
}
