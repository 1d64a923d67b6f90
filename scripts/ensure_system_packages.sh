#!/usr/bin/env bash
# The system packages `make test` needs: PostgreSQL (initdb/pg_ctl for the PostgreSQL tests),
# Chromium (the page tests, driven by Playwright) and the DejaVu fonts (PDF reports); the
# checkers of the example files of deploy/ (tests/test_deploy.py): nginx -t and shellcheck.
# Called by `make test` (and so by .ci/run). Installs what is missing with apt-get when it can
# (root, or passwordless sudo); otherwise prints the exact command to run and exits 1.
# ECZANE_SKIP_SYSTEM_PACKAGES=1 skips the check (e.g. a machine that runs the tests elsewhere).
set -euo pipefail

[ "${ECZANE_SKIP_SYSTEM_PACKAGES:-}" = "1" ] && exit 0

pg_glob="${ECZANE_PG_INITDB_GLOB:-/usr/lib/postgresql/*/bin/initdb}"

need=()
have_initdb() {
  command -v initdb >/dev/null 2>&1 && return 0
  local f
  for f in $pg_glob; do [ -x "$f" ] && return 0; done
  return 1
}
have_initdb || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
{ fc-list 2>/dev/null || true; } | grep -qi dejavu || need+=(fonts-dejavu-core)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)

[ ${#need[@]} -eq 0 ] && exit 0

install="apt-get install -y ${need[*]}"
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      echo "make test needs these system packages: ${need[*]}" >&2
      echo "Install them once, then run make test again:" >&2
      echo "" >&2
      echo "    sudo apt-get update && sudo $install" >&2
      echo "" >&2
      echo "(or ECZANE_SKIP_SYSTEM_PACKAGES=1 make test to run without them: the PostgreSQL" >&2
      echo " and browser tests will then fail)" >&2
      exit 1
    fi
  fi
  echo "installing system packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  exit 0
fi

echo "make test needs these system packages: ${need[*]} (Debian/Ubuntu names)." >&2
echo "No apt-get here: install them with your system's package manager, e.g. on Debian:" >&2
echo "" >&2
echo "    sudo apt-get update && sudo $install" >&2
exit 1
