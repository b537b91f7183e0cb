#!/usr/bin/env bash
# Runs the tests, first installing what they use from outside Rust:
#   poppler-utils (pdftotext, to read the PDFs back), LibreOffice Calc (to re-save
#   workbooks as ods/xls), GNU time (peak memory), aiosmtpd (a real SMTP server on
#   loopback), msoffcrypto-tool (to make a password-protected workbook),
#   cryptography (a test CA for the SMTP TLS tests) and IPAmj明朝 (fonts-ipamj-mincho: the
#   戸籍 characters of names, found among the system's fonts).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
command -v pdftotext >/dev/null || missing+=(poppler-utils)
command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)
[ -x /usr/bin/time ] || missing+=(time)
[ -f /usr/share/fonts/truetype/ipamj/ipamjm.ttf ] || missing+=(fonts-ipamj-mincho)
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

cargo test "$@"
