#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing. Each needed package is listed here once;
# tests that need a tool skip with a clear message when it could not be installed.
# openssh-server/openssh-client: the cluster launcher's ssh path (SshLaunchTest starts a private sshd
# on 127.0.0.1 as the current user; it never starts or configures the system's sshd).
set -uo pipefail
need=()
for pkg_bin in "yosys:yosys" "iverilog:iverilog" "openssh-client:ssh" "openssh-client:ssh-keygen" "openssh-server:sshd"; do
  pkg=${pkg_bin%%:*}; bin=${pkg_bin##*:}
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || [[ " ${need[*]} " == *" $pkg "* ]] || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "install-deps: missing ${need[*]} and not root: tests that need them will skip" >&2; exit 0
fi
SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
echo "install-deps: installing ${need[*]} (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || echo "install-deps: apt-get update failed" >&2
# openssh-server's postinst would start the system's sshd where nothing forbids it: forbid it for the install
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod 755 /usr/sbin/policy-rc.d && guard=1
fi
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || echo "install-deps: could not install ${need[*]}: tests that need them will skip" >&2
[ -n "$guard" ] && $SUDO rm -f /usr/sbin/policy-rc.d
exit 0
