#!/usr/bin/env bash
# Runs every test of the solution against real servers.
# Installs PostgreSQL, Redis, Chromium, Dovecot, aiosmtpd, promtool, rsyslog, the firewall bouncer and the enrichment tools (dnsmasq, mmdb-bin, libmaxmind-db-writer-perl) when they are missing (Debian packages, needs root), starts a throwaway server on 127.0.0.1
# in a temporary folder (and a Redis server for the Orleans cluster tests), runs `dotnet test` for the whole solution, stops the server, and ends with one line
# `N passed, N failed[, N skipped]` summed over every test project.
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
RESULTS="$ROOT/TestResults"

source "$ROOT/scripts/postgres.sh"
source "$ROOT/scripts/redis.sh"
source "$ROOT/scripts/chromium.sh"
source "$ROOT/scripts/bouncer.sh"
source "$ROOT/scripts/dovecot.sh"
source "$ROOT/scripts/promtool.sh"
source "$ROOT/scripts/rsyslog.sh"
source "$ROOT/scripts/smtp.sh"
source "$ROOT/scripts/pdf.sh"
source "$ROOT/scripts/enrichment.sh"
trap 'stop_postgres; stop_redis' EXIT

summarise() {
    local passed=0 failed=0 skipped=0 file counters
    for file in "$RESULTS"/*.trx; do
        [ -f "$file" ] || continue
        counters=$(grep -o '<Counters [^>]*>' "$file" | head -n 1)
        passed=$((passed + $(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')))
        failed=$((failed + $(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')))
        skipped=$((skipped + $(echo "$counters" | sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p')))
    done
    # A test run that crashed may leave no failed test behind in its TRX; it still counts as a failure.
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
    if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
}

ensure_postgres || { log "no PostgreSQL server available"; echo "0 passed, 1 failed"; exit 1; }
start_postgres || { log "PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1; }
ensure_redis || { log "no Redis server available"; echo "0 passed, 1 failed"; exit 1; }
start_redis || { log "Redis did not start"; echo "0 passed, 1 failed"; exit 1; }
ensure_chromium || { log "no Chromium for the browser tests"; echo "0 passed, 1 failed"; exit 1; }
ensure_bouncer || { log "no firewall bouncer for the enforcement tests"; echo "0 passed, 1 failed"; exit 1; }
ensure_dovecot || { log "no Dovecot for the mailbox tests"; echo "0 passed, 1 failed"; exit 1; }
ensure_promtool || { log "no promtool for the metrics tests"; echo "0 passed, 1 failed"; exit 1; }
ensure_rsyslog || { log "no rsyslog for the SIEM export tests"; echo "0 passed, 1 failed"; exit 1; }
ensure_smtp || { log "no SMTP server for the e-mail notification tests"; echo "0 passed, 1 failed"; exit 1; }
ensure_pdftools || { log "no pdftotext for the PDF export tests"; echo "0 passed, 1 failed"; exit 1; }
ensure_enrichment_tools || { log "no dnsmasq, mmdblookup or MaxMind::DB::Writer for the enrichment tests"; echo "0 passed, 1 failed"; exit 1; }

rm -rf "$RESULTS"
dotnet build DmarcSecurity.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
# One project at a time, each writing its own TRX file, so counts are summed exactly.
status=0
for project in tests/*.Tests/*.Tests.csproj; do
    name=$(basename "$project" .csproj)
    dotnet test "$project" -c Release --no-build -nologo --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS" "$@" \
        || status=1
done
summarise
exit "$status"
