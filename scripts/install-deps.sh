#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing. Each needed package is listed here once;
# tests that need a tool skip with a clear message when it could not be installed.
#   yosys, iverilog, verilator: hardware debugging (verilator is an optional peer in `cairn hw bench`)
#   openssh-server/openssh-client: the cluster launcher's ssh path (SshLaunchTest starts a private sshd
#     on 127.0.0.1 as the current user; it never starts or configures the system's sshd)
#   slurm-wlm, munge: a real single-node Slurm started by the Slurm tests (by pid, state under target/)
#   openmpi-bin, libopenmpi-dev: a real mpirun and libmpi.so for the MPI transport (bound through FFM)
#   ocl-icd-libopencl1, pocl-opencl-icd, clinfo: a real OpenCL platform on the CPU (PoCL)
#   chromium, chromium-driver: a real headless browser for the dashboard's tests (cairn serve; Selenium)
# No package here starts a daemon: the install runs with a policy-rc.d that forbids it.
set -uo pipefail
pkgs=(yosys iverilog verilator openssh-client openssh-server slurm-wlm munge openmpi-bin libopenmpi-dev
      ocl-icd-libopencl1 pocl-opencl-icd clinfo chromium chromium-driver)
need=()
for pkg in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "install-deps: missing ${need[*]} and not root: tests that need them will skip" >&2; exit 0
fi
SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
echo "install-deps: installing ${need[*]} (Debian packages; a first install takes a few minutes)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || echo "install-deps: apt-get update failed" >&2
# packages' postinst scripts would start daemons (sshd, munged, slurmd) where nothing forbids it: forbid it
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod 755 /usr/sbin/policy-rc.d && guard=1
fi
if ! $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
  # one package that cannot be had must not cost the others: try them one by one
  for pkg in "${need[@]}"; do
    $SUDO apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1 \
      || echo "install-deps: could not install $pkg: tests that need it will skip" >&2
  done
fi
[ -n "$guard" ] && $SUDO rm -f /usr/sbin/policy-rc.d
exit 0
