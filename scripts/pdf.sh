# Sourced by test.sh: Debian's poppler-utils, whose pdftotext the PDF export tests read the generated summaries with.

ensure_pdftools() {
    command -v pdftotext >/dev/null && return 0
    log "pdftotext not found; installing the Debian package poppler-utils"
    if [ "$(id -u)" != 0 ]; then log "run as root (or install poppler-utils) to read PDFs in the export tests"; return 1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
    command -v pdftotext >/dev/null
}
