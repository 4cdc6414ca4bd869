#!/usr/bin/env bash
# System packages FocusCLIP needs on Debian/Ubuntu without a GPU:
#   mesa-vulkan-drivers >= 24 (lavapipe, software Vulkan that Dawn accepts; bookworm's 22.3 is too old)
#   python3-torch (CPU, for /usr/bin/python3) and OpenBLAS for the PyTorch golden tests and the
#   PyTorch reference of the e2e benchmark; skipped when absent
#   chromium             only for the browser test suite
#   fonts-dejavu-core    a font for the text of the PNG charts (resvg draws no text without one)
# Usage: bash scripts/install-system-deps.sh [--no-torch] [--no-chromium]
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
want_torch=1; want_chromium=1
for a in "$@"; do
  case "$a" in
    --no-torch) want_torch=0 ;;
    --no-chromium) want_chromium=0 ;;
  esac
done
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

mesa_major() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/' ; }
updated=0
apt_update() { [ "$updated" = 1 ] || { $SUDO apt-get update -qq; updated=1; }; }

m="$(mesa_major || true)"
if [ -z "$m" ] || [ "$m" -lt 24 ]; then
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  if [ "$codename" = bookworm ]; then
    echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
    apt_update
    $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
  else
    apt_update
    $SUDO apt-get install -y -qq mesa-vulkan-drivers >/dev/null
  fi
fi
echo "mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"

missing=()
[ "$want_torch" = 1 ] && ! /usr/bin/python3 -c 'import torch' 2>/dev/null && missing+=(python3-torch)
# torch calls whatever libblas.so.3 is installed: without OpenBLAS that is the reference BLAS (~10x slower)
[ "$want_torch" = 1 ] && ! dpkg -s libopenblas0-pthread >/dev/null 2>&1 && missing+=(libopenblas0-pthread)
[ "$want_chromium" = 1 ] && ! command -v chromium >/dev/null && missing+=(chromium)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null || echo "warning: could not install ${missing[*]}; the tests that need them will skip"
fi
