#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing. Each needed package is listed here once;
# tests that need a tool skip with a clear message when it could not be installed.
set -uo pipefail
need=()
for pkg_bin in "yosys:yosys" "iverilog:iverilog"; do
  pkg=${pkg_bin%%:*}; bin=${pkg_bin##*:}
  command -v "$bin" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "install-deps: missing ${need[*]} and not root: tests that need them will skip" >&2; exit 0
fi
SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
echo "install-deps: installing ${need[*]} (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || echo "install-deps: apt-get update failed" >&2
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || echo "install-deps: could not install ${need[*]}: tests that need them will skip" >&2
exit 0
