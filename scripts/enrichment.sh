# Sourced by test.sh and bench/run.sh: what the source identity tests and the enrich benchmark need. Debian's
# MaxMind::DB::Writer (libmaxmind-db-writer-perl) writes the test databases at test time, mmdblookup (mmdb-bin) reads
# them back to check the platform's answers, dnsmasq serves the test PTR records (started by the tests on 127.0.0.1 and
# a free port; the system service is never used), and publicsuffix ships the Public Suffix List.

ensure_enrichment_tools() {
    local missing=()
    [ -x /usr/bin/mmdblookup ] || missing+=(mmdb-bin)
    perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null || missing+=(libmaxmind-db-writer-perl)
    [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq)
    [ -f /usr/share/publicsuffix/public_suffix_list.dat ] || missing+=(publicsuffix)
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing the Debian packages ${missing[*]} for the enrichment tests"
    if [ "$(id -u)" != 0 ]; then log "run as root (or install ${missing[*]}) for the enrichment tests"; return 1; fi
    # dnsmasq's package would start the system service: policy-rc.d keeps it stopped, the tests start their own.
    local policy=/usr/sbin/policy-rc.d created=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created=1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    local status=$?
    [ "$created" = 1 ] && rm -f "$policy"
    [ $status -eq 0 ] && [ -x /usr/bin/mmdblookup ] && [ -x /usr/sbin/dnsmasq ] && perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null
}
