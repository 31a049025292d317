#!/usr/bin/env bash
# Runs every benchmark and prints its figures: parse throughput (MB/s, reports/s), e-mail parse throughput (MB/s), the DMARC grain handlers alone in
# memory (events/s), ingest throughput into
# PostgreSQL through the real Api (records/s) with the Api's peak memory, the DMARC grains through the real Api and
# Orleans silo processes (events/s with one silo and two, upload-to-decision lag, failover after SIGKILL, the silo's
# memory idle and after 1,000,000 events), the dashboard with 1,000,000 records stored (the Api's answer uncached and
# cached, with Redis as the shared layer, and the Web app's server-side render), the views over 10,000,000 records
# rolled up by day and month and packed (the dashboard, the sources page and the country map uncached, for 30 days, a
# year and all time),
# notification delivery to a webhook that fails half its requests and then goes down for a minute, the anomaly
# detectors' training and scoring times with their ROC AUC on generated data with known outliers, and IDS log read
# throughput (events/s for Suricata EVE, Snort fast, Zeek conn TSV and JSON, generated in memory), and source identity
# for 20,000 distinct addresses against a local dnsmasq and generated mmdb files (identities/s cold and warm, cache hits,
# p50/p99 latency), and from a spoofing report to the webhook POST and the firewall bouncer's nftables set (median and
# worst of 20 runs; needs root for nftables).
# Starts a throwaway PostgreSQL server with default durability settings on 127.0.0.1 (and Redis, for the silos'
# cluster) and stops them at the end.
# Usage: bench/run.sh [parse] [email] [handlers] [ingest] [silo] [dashboard] [views] [notify] [anomaly] [ids] [enrich] [act]
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
source "$ROOT/scripts/postgres.sh"
source "$ROOT/scripts/redis.sh"
source "$ROOT/scripts/enrichment.sh"
source "$ROOT/scripts/bouncer.sh"
trap 'stop_postgres; stop_redis' EXIT

dotnet build DmarcSecurity.Api -c Release -nologo -v quiet >/dev/null || exit 1
# The silo as it ships: published, precompiled (ReadyToRun) for this machine's runtime identifier.
case "$(uname -m)" in aarch64|arm64) RID=linux-arm64 ;; *) RID=linux-x64 ;; esac
dotnet publish DmarcSecurity.Grains -c Release -r "$RID" --self-contained false -nologo -v quiet >/dev/null || exit 1
dotnet build DmarcSecurity.Web -c Release -nologo -v quiet >/dev/null || exit 1
dotnet build bench/DmarcSecurity.Benchmarks -c Release -nologo -v quiet >/dev/null || exit 1
if [ $# -eq 0 ] || [[ " $* " =~ " enrich " ]]; then
    ensure_enrichment_tools || exit 1
fi
if [ $# -eq 0 ] || [[ " $* " =~ " act " ]]; then
    ensure_bouncer || exit 1
fi
if [ $# -eq 0 ] || [[ " $* " =~ " "(silo|dashboard)" " ]]; then
    ensure_redis && start_redis || exit 1
fi
if [ $# -eq 0 ] || [[ " $* " =~ " "(ingest|silo|dashboard|views|notify|act)" " ]]; then
    ensure_postgres && PG_DURABLE=1 start_postgres || exit 1
    export DMARC_API_DLL="$ROOT/DmarcSecurity.Api/bin/Release/net10.0/DmarcSecurity.Api.dll"
    export DMARC_SILO_DLL="$ROOT/DmarcSecurity.Grains/bin/Release/net10.0/$RID/publish/DmarcSecurity.Grains.dll"
    export DMARC_WEB_DLL="$ROOT/DmarcSecurity.Web/bin/Release/net10.0/DmarcSecurity.Web.dll"
fi
dotnet bench/DmarcSecurity.Benchmarks/bin/Release/net10.0/DmarcSecurity.Benchmarks.dll "$@"
