#!/usr/bin/env bash
# packstation developer entry point. Safe to re-run; installs what is missing, then acts.
#   ./dev.sh demo   start the app against the built-in emulator (no configuration needed)
#   ./dev.sh test   the import-layer contracts, mypy, then the whole test suite (slow tests and
#                   benchmarks included, offscreen)
set -euo pipefail
cd "$(dirname "$0")"

# Debian/Ubuntu packages Qt needs offscreen and on a desktop, plus libusb for USB printers and CUPS.
SYSTEM_PACKAGES=(libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0
  libxkbcommon-x11-0 libx11-6 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1 libgssapi-krb5-2 fonts-dejavu-core
  libusb-1.0-0
  cups cups-client cups-bsd)  # CUPS: cups:QUEUE printers, and the tests run a private cupsd with a raw queue
# For the tests: promtool checks resources/monitoring/ (Debian's prometheus package; its daemon is not
# started where there is no systemd, and is not needed).
TEST_PACKAGES=(prometheus)

install_system_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0   # not Debian-like: see README
  local missing=()
  for p in "${SYSTEM_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_venv() {
  local python="${PYTHON:-python3}"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  # Re-install only when the project's requirements changed since the last install.
  local stamp=.venv/.packstation-installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
    .venv/bin/python -m pip install --quiet -e ".[test]"
    touch "$stamp"
  fi
}

case "${1:-}" in
  demo)
    install_system_packages
    ensure_venv
    shift
    exec .venv/bin/packstation --demo "$@"
    ;;
  test)
    install_system_packages "${TEST_PACKAGES[@]}"
    ensure_venv
    shift
    export QT_QPA_PLATFORM=offscreen
    .venv/bin/lint-imports
    .venv/bin/mypy  # zero errors; the ratchet for what is not there yet is in pyproject.toml
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh demo | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
