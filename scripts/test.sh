#!/usr/bin/env bash
# Runs the tests, first installing what they use from outside Rust:
#   poppler-utils (pdftotext, to read the PDFs back), LibreOffice Calc (to re-save
#   workbooks as ods/xls), GNU time (peak memory), aiosmtpd (a real SMTP server on
#   loopback), msoffcrypto-tool (to make a password-protected workbook),
#   cryptography (a test CA for the SMTP TLS tests) and IPAmj明朝 (fonts-ipamj-mincho: the
#   戸籍 characters of names, found among the system's fonts), PostgreSQL, and Debian's
#   Chromium with its WebDriver server, its Japanese interface and a Japanese gothic
#   font (chromium, chromium-driver, chromium-l10n, fonts-noto-cjk: the browser tests;
#   without a gothic font Chromium draws the pages' Japanese in 明朝).
#
# The suite runs twice on the same build: on SQLite (the embedded default), then on a
# throw-away PostgreSQL cluster (scripts/pg_cluster.sh) named to the tests by
# HAKUSHO_TEST_POSTGRES, each test creating its own database there. Both runs go to
# the end; the exit status is non-zero when either failed. Arguments go to both
# `cargo test` runs.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
command -v pdftotext >/dev/null || missing+=(poppler-utils)
command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)
[ -x /usr/bin/time ] || missing+=(time)
[ -f /usr/share/fonts/truetype/ipamj/ipamjm.ttf ] || missing+=(fonts-ipamj-mincho)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ -f /usr/lib/chromium/locales/ja.pak ] || missing+=(chromium-l10n)
compgen -G "/usr/share/fonts/opentype/noto/NotoSansCJK-*" >/dev/null || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! python3 -c "import aiosmtpd, msoffcrypto, cryptography" 2>/dev/null; then
  echo "installing aiosmtpd msoffcrypto-tool cryptography"
  python3 -m pip install -q aiosmtpd msoffcrypto-tool cryptography 2>/dev/null \
    || python3 -m pip install -q --break-system-packages aiosmtpd msoffcrypto-tool cryptography
fi

# One half of the suite: its exit status, and its wall time printed at the end.
run_half() {
  local name=$1 started=$SECONDS status=0
  shift
  echo "== tests on $name"
  "$@" || status=$?
  timings+=("$name: $((SECONDS - started)) s, exit $status")
  return "$status"
}

stop_cluster() {
  [ -z "${cluster:-}" ] || scripts/pg_cluster.sh stop "$cluster"
}

timings=()
failed=0
cluster=""
trap stop_cluster EXIT
run_half SQLite env -u HAKUSHO_TEST_POSTGRES cargo test "$@" || failed=1
cluster=$(scripts/pg_cluster.sh start)
base=$(scripts/pg_cluster.sh url "$cluster")
run_half PostgreSQL env HAKUSHO_TEST_POSTGRES="$base" cargo test "$@" || failed=1
printf '== wall time of each half\n'
printf '   %s\n' "${timings[@]}"
exit "$failed"
